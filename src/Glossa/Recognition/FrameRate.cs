using System.Diagnostics;
using System.Globalization;
using Glossa.Common;
using Glossa.Frames;

namespace Glossa.Recognition;

/// <summary>The frame rate of a video, read with ffprobe (for gloss timings).</summary>
public static class FrameRate
{
    /// <summary>Frame rate assumed for frame folders (PHOENIX is recorded at 25 fps).</summary>
    public const double FolderDefault = 25;

    /// <summary>The average frame rate of the first video stream (falls back to the nominal rate).</summary>
    public static double Probe(string path, VideoDecoder? decoder = null)
    {
        string ffprobe = (decoder ?? VideoDecoder.Default).FfprobePath;
        if (!File.Exists(path)) throw new GlossaException($"{path}: video file not found");
        var psi = new ProcessStartInfo(ffprobe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=avg_frame_rate,r_frame_rate", "-of", "default=nw=1", path })
            psi.ArgumentList.Add(a);
        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new GlossaException($"ffprobe could not be started ({ffprobe})");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new GlossaException($"ffprobe not found: install it with `apt-get install ffmpeg` ({ffprobe}: {e.Message})", e);
        }
        using (p)
        {
            var err = p.StandardError.ReadToEndAsync();
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
                throw new GlossaException($"{path}: ffprobe cannot read the video: {ProcessResult.FirstLine(err.Result)}; the file is damaged, incomplete or not a video");
            double avg = 0, nominal = 0;
            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var kv = line.Split('=', 2);
                if (kv.Length != 2) continue;
                if (kv[0] == "avg_frame_rate") avg = Ratio(kv[1]);
                else if (kv[0] == "r_frame_rate") nominal = Ratio(kv[1]);
            }
            if (output.Trim().Length == 0)
                throw new GlossaException($"{path}: has no video stream (audio only, or not a video); give a video with a picture track or a folder of frames");
            double fps = avg > 0 ? avg : nominal;
            if (!(fps > 0)) throw new GlossaException($"{path}: ffprobe reports no frame rate; pass --fps");
            return fps;
        }
    }

    /// <summary>"30000/1001" -> 29.97; 0 when unparsable or zero.</summary>
    static double Ratio(string text)
    {
        var parts = text.Split('/');
        if (!double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double num)) return 0;
        double den = 1;
        if (parts.Length == 2 && !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out den)) return 0;
        return den > 0 && double.IsFinite(num / den) ? num / den : 0;
    }
}
