using System.Globalization;
using Glossa.Common;

namespace Glossa.Corpora;

/// <summary>
/// The length of a video clip without decoding it: ffprobe lists the packets of its first video stream, and the ones the
/// demuxer keeps (not discarded by an edit list) are its frames, as ffmpeg decodes them (frame for frame, with no frame
/// rate conversion, as Glossa decodes videos). Corpus check, training's CTC check and recognition's input check read it.
/// </summary>
public static class VideoLength
{
    /// <summary>
    /// The frames of the first video stream as ffprobe counts them (its kept packets: read, not decoded), and the first error
    /// ffprobe reported while reading them, or null: a truncated download or a damaged stream still gives a count, shorter
    /// than the clip or with frames that will not decode, and only the errors tell. A <see cref="GlossaException"/> naming
    /// the file when ffprobe cannot read it at all. With <paramref name="decode"/> ffprobe decodes every frame and counts the
    /// frames it decoded (<c>-count_frames</c>), so damaged frames behind sound packets are reported too; slower.
    /// </summary>
    public static (int Frames, string? Problem) Count(string path, bool decode = false)
    {
        if (!File.Exists(path)) throw new GlossaException($"{path}: video file not found");
        ProcessResult result;
        try
        {
            result = ProcessRunner.Run(ExternalTool.Ffprobe.StartInfo(
                decode
                    ? ["-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path]
                    : ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=flags", "-of", "csv=p=0", path]),
                "ffprobe", TimeSpan.FromMinutes(2), allowFailure: true);
        }
        catch (GlossaException e)
        {
            throw new GlossaException($"{path}: {e.Message}; re-encode the video or extract its frames", e);
        }
        int n = -1;
        if (result.ExitCode == 0 && decode)
            n = int.TryParse(result.Stdout.Trim().TrimEnd(','), NumberStyles.Integer, CultureInfo.InvariantCulture, out int frames) ? frames : -1;
        else if (result.ExitCode == 0)
            n = KeptPackets(result.Stdout);
        if (n > 0)
            return (n, string.IsNullOrWhiteSpace(result.Stderr) ? null : ProcessResult.FirstLine(result.Stderr));
        if (ExternalTool.Ffprobe.Unusable() is { } noProbe)
            throw new GlossaException($"{path}: {noProbe}, so the video cannot be measured; {ExternalTool.Ffprobe.Remedy("ffmpeg")}");
        RequireNotEmpty(path);
        string why = string.IsNullOrWhiteSpace(result.Stderr) ? "no video stream" : ProcessResult.FirstLine(result.Stderr);
        throw new GlossaException($"{path}: ffprobe cannot read the video ({why}); re-encode it or extract its frames");
    }

    /// <summary>
    /// The video packets of ffprobe's <c>packet=flags</c> lines that the demuxer keeps: an MP4 trimmed without re-encoding
    /// (<c>ffmpeg -ss 3 -c copy</c>) keeps the packets from the keyframe before its start and an edit list that discards
    /// them (flag D), so its packets (103) were counted where it decodes to 28 frames, and corpus check passed a clip that
    /// training then stopped on.
    /// </summary>
    static int KeptPackets(string flags)
    {
        int kept = 0;
        foreach (var line in flags.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (!line.Contains('D')) kept++;
        return kept;
    }

    /// <summary>Throws naming <paramref name="path"/> when the video file is empty (ffmpeg would say "moov atom not found").</summary>
    public static void RequireNotEmpty(string path)
    {
        if (new FileInfo(path).Length == 0) throw new GlossaException($"{path}: the video file is empty (0 bytes); copy or download it again");
    }
}
