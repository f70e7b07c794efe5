using Glossa.Corpora;
using Glossa.Common;

namespace Glossa.Frames;

/// <summary>
/// Where a clip's frames come from: a sorted list of image files or one video file. Both give
/// the same two views: the whole clip resized into one buffer (training and evaluation), and a
/// lazy stream of frames with bounded memory (long videos, recognition in chunks).
/// </summary>
public abstract class FrameSource
{
    /// <summary>Text naming the source in messages and cache keys (the video path, or the first frame and count).</summary>
    public abstract string Describe();

    /// <summary>Number of frames if known without decoding (frame files), otherwise -1 (videos).</summary>
    public abstract int KnownLength { get; }

    /// <summary>Width and height of the frames as stored (read from the first image's header, or probed with ffprobe).</summary>
    public abstract (int Width, int Height) NativeSize();

    /// <summary>Decodes the frames at <paramref name="indices"/> (in that order, repeats allowed) resized to width x height.</summary>
    /// <remarks>Frame files decode only the frames asked for; a video is decoded whole and then picked from.</remarks>
    public abstract DecodedClip Decode(int width, int height, IReadOnlyList<int>? indices = null, CancellationToken ct = default);

    /// <summary>
    /// Streams all frames resized to width x height, one at a time. <paramref name="onDecodeErrors"/> hears the decoder's
    /// first error line when a video decoded to the end with errors (damaged frames); frame files fail instead.
    /// </summary>
    public abstract IEnumerable<RgbImage> Stream(int width, int height, CancellationToken ct = default, Action<string>? onDecodeErrors = null);

    /// <summary>The source of a corpus sample.</summary>
    public static FrameSource For(Sample sample, VideoDecoder? video = null)
    {
        if (sample.VideoPath is not null) return new VideoFrameSource(sample.VideoPath, video ?? VideoDecoder.Default);
        if (sample.FramePaths.Count == 0)
            throw new GlossaException($"{sample.Source}: sample '{sample.Id}' has neither frames nor a video; check its frame folder");
        return new FrameFileSource(sample.FramePaths);
    }

    /// <summary>
    /// The frame images of a folder in the order a corpus reads them (digit runs by value: frame2 before frame10;
    /// <see cref="Corpora.FrameFolder.NaturalComparer"/>): every image type a corpus reads (<see cref="Corpora.FrameFolder.ImageExtensions"/>),
    /// so a model trained on .bmp or .webp frames recognises such folders too. Until 2026-12-07 recognize sorted them by
    /// plain name (frame0, frame1, frame10, ...), and the same clip gave other glosses than in evaluate.
    /// </summary>
    static List<string> Images(string folder) => Directory.EnumerateFiles(folder)
        .Where(Corpora.FrameFolder.IsImage)
        .Order(Corpora.FrameFolder.NaturalComparer.Instance).ToList();

    /// <summary>A source for a path: a video file by extension, otherwise a folder of images (sorted by name).</summary>
    public static FrameSource ForPath(string path, VideoDecoder? video = null)
    {
        if (Directory.Exists(path))
        {
            var files = Images(path);
            if (files.Count == 0)
            {
                // A PHOENIX clip folder keeps its frames one level down (<id>/1/): name the subfolder that holds them.
                var inner = Directory.EnumerateDirectories(path).Order(StringComparer.Ordinal).FirstOrDefault(d => Images(d).Count > 0);
                var kinds = Directory.EnumerateFiles(path).Where(VideoDecoder.IsVideo).GroupBy(f => Path.GetExtension(f).ToLowerInvariant()).ToList();
                int videos = kinds.Sum(k => k.Count());
                string glob = Path.Combine(path, "*") + (kinds.Count == 1 ? kinds[0].Key : ""); // videos of several kinds: all of them
                throw new GlossaException($"{path}: the folder holds no frame images ({string.Join(" ", Corpora.FrameFolder.ImageExtensions)})" +
                    (inner is not null ? $"; its subfolder {Path.GetFileName(inner)}/ does (a PHOENIX clip keeps them in <id>/1/): give {Path.Combine(path, Path.GetFileName(inner))}"
                     : videos > 0 ? $"; it holds {videos} video{(videos == 1 ? "" : "s")}: give each video as an input (e.g. {glob})"
                     : ""));
            }
            return new FrameFileSource(files);
        }
        if (VideoDecoder.IsVideo(path)) return new VideoFrameSource(path, video ?? VideoDecoder.Default);
        throw new GlossaException($"{path}: neither a frame folder nor a video file ({string.Join(", ", VideoDecoder.Extensions.Order())})");
    }
}
