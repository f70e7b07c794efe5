using System.Globalization;
using Glossa.Common;

namespace Glossa.Corpora;

/// <summary>
/// The length of a video clip without decoding it: ffprobe counts the packets of its first video stream. Corpus check,
/// training's CTC check and recognition's input check read it.
/// </summary>
public static class VideoLength
{
    /// <summary>
    /// The frames of the first video stream as ffprobe counts them (its packets: read, not decoded), and the first error
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
                ["-v", "error", "-select_streams", "v:0", decode ? "-count_frames" : "-count_packets", "-show_entries",
                    decode ? "stream=nb_read_frames" : "stream=nb_read_packets", "-of", "csv=p=0", path]),
                "ffprobe", TimeSpan.FromMinutes(2), allowFailure: true);
        }
        catch (GlossaException e)
        {
            throw new GlossaException($"{path}: {e.Message}; re-encode the video or extract its frames", e);
        }
        string text = result.Stdout.Trim().TrimEnd(',');
        if (result.ExitCode == 0 && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0)
            return (n, string.IsNullOrWhiteSpace(result.Stderr) ? null : ProcessResult.FirstLine(result.Stderr));
        if (ExternalTool.Ffprobe.Unusable() is { } noProbe)
            throw new GlossaException($"{path}: {noProbe}, so the video cannot be measured; {ExternalTool.Ffprobe.Remedy("ffmpeg")}");
        string why = string.IsNullOrWhiteSpace(result.Stderr) ? "no video stream" : ProcessResult.FirstLine(result.Stderr);
        throw new GlossaException($"{path}: ffprobe cannot read the video ({why}); re-encode it or extract its frames");
    }
}
