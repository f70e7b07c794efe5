using Glossa.Frames;

namespace Glossa.Tests.Frames;

/// <summary>The decoded-frame cache follows the files' content, not only their names.</summary>
public sealed class FrameCacheTests : IDisposable
{
    readonly FrameTestData data = new();

    public void Dispose() => data.Dispose();

    [Fact]
    public void Frames_replaced_in_place_are_decoded_again()
    {
        const int w = 16, h = 12;
        var paths = Enumerable.Range(0, 3).Select(t => Path.Combine(data.Root, "clip", $"f{t}.png")).ToList();
        Directory.CreateDirectory(Path.GetDirectoryName(paths[0])!);
        for (int t = 0; t < 3; t++) FrameTestData.WriteImage(paths[t], w, h, FrameTestData.Rgb(t, w, h));
        var cache = new FrameCache(Path.Combine(data.Root, "cache"));
        var source = new FrameFileSource(paths);

        var first = cache.GetOrDecode(source, w, h);
        Assert.Equal(first.Pixels, cache.GetOrDecode(source, w, h).Pixels);
        Assert.Equal((1L, 1L), (cache.Misses, cache.Hits));

        // Same names, same sizes on disk are not guaranteed; what matters is that new pixels arrive.
        var stamp = File.GetLastWriteTimeUtc(paths[1]);
        FrameTestData.WriteImage(paths[1], w, h, FrameTestData.Rgb(7, w, h));
        File.SetLastWriteTimeUtc(paths[1], stamp.AddSeconds(1));
        var fresh = source.Decode(w, h);
        var again = cache.GetOrDecode(source, w, h);
        Assert.NotEqual(first.Pixels, fresh.Pixels);
        Assert.Equal(fresh.Pixels, again.Pixels);
        Assert.Equal(2L, cache.Misses);

        // Only the modification time changes (same bytes, e.g. touched): decoded again too.
        File.SetLastWriteTimeUtc(paths[0], stamp.AddSeconds(5));
        cache.GetOrDecode(source, w, h);
        Assert.Equal(3L, cache.Misses);
    }
}
