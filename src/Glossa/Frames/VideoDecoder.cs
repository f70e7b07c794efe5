using System.Diagnostics;
using System.Globalization;
using Glossa.Common;
using Glossa.Corpora;

namespace Glossa.Frames;

/// <summary>
/// Video decoding through the ffmpeg program: ffmpeg writes raw rgb24 frames to its stdout and
/// we read them one at a time, so a long video streams with the memory of a single frame.
/// </summary>
public sealed class VideoDecoder
{
    /// <summary>File extensions treated as video.</summary>
    public static readonly IReadOnlySet<string> Extensions = new HashSet<string>(FrameFolder.VideoExtensions, StringComparer.OrdinalIgnoreCase);

    /// <summary>The decoder using /usr/bin/ffmpeg (or the first ffmpeg on PATH; GLOSSA_FFMPEG overrides).</summary>
    public static VideoDecoder Default { get; } = new(ExternalTool.Ffmpeg.Path, ExternalTool.Ffprobe.Path);

    /// <summary>A decoder using the given programs (tests use this to simulate a missing ffmpeg).</summary>
    public VideoDecoder(string ffmpegPath, string ffprobePath)
    {
        FfmpegPath = ffmpegPath;
        FfprobePath = ffprobePath;
    }

    /// <summary>Path of the ffmpeg executable.</summary>
    public string FfmpegPath { get; }

    /// <summary>Path of the ffprobe executable (used only to learn the native size).</summary>
    public string FfprobePath { get; }

    /// <summary>True if <paramref name="path"/> has a video extension.</summary>
    public static bool IsVideo(string path) => Extensions.Contains(Path.GetExtension(path));

    /// <summary>Width and height of the first video stream, via ffprobe.</summary>
    public (int Width, int Height) Probe(string path)
    {
        CheckInput(path);
        string output = RunToEnd(FfprobePath, "ffprobe", path,
            ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", path]);
        var parts = output.Trim().Split(',');
        if (parts.Length >= 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out int w) &&
            int.TryParse(parts[1], CultureInfo.InvariantCulture, out int h) && w > 0 && h > 0)
            return (w, h);
        throw new GlossaException($"{path}: ffprobe found no video stream; the file is corrupt or not a video");
    }

    /// <summary>
    /// Streams the frames of a video, resized by ffmpeg (bilinear) to width x height, or at the
    /// native size when both are null. Frames are produced lazily; stopping the enumeration
    /// kills ffmpeg. Throws a <see cref="GlossaException"/> naming the file and ffmpeg's first
    /// error line if the video cannot be decoded; <paramref name="onDecodeErrors"/> hears ffmpeg's first error line when it
    /// decoded the video to the end but reported errors on the way (damaged frames, concealed or dropped).
    /// </summary>
    public IEnumerable<RgbImage> ReadFrames(string path, int? width = null, int? height = null, CancellationToken ct = default,
        Action<string>? onDecodeErrors = null)
    {
        var (w, h) = width is int ww && height is int hh ? (ww, hh) : Probe(path);
        int frameBytes = w * h * 3;
        using var run = Start(path, w, h, scale: width is not null);
        int count = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var pixels = new byte[frameBytes];
            int got = ReadFull(run.Process.StandardOutput.BaseStream, pixels);
            if (got == 0) break;
            if (got < frameBytes) { run.Finish(path, frames: -1); yield break; }
            count++;
            yield return new RgbImage(w, h, pixels);
        }
        if (run.Finish(path, count) is { } errors) onDecodeErrors?.Invoke(errors);
    }

    /// <summary>
    /// Decodes the whole video, resized to width x height, into one contiguous clip; its <see cref="DecodedClip.DecodeErrors"/>
    /// holds ffmpeg's first error line when the video decoded to the end with errors.
    /// </summary>
    public DecodedClip ReadClip(string path, int width, int height, CancellationToken ct = default)
    {
        int frameBytes = width * height * 3;
        var buffer = new byte[frameBytes * 64];
        int count = 0;
        string? errors;
        using (var run = Start(path, width, height, scale: true))
        {
            var stdout = run.Process.StandardOutput.BaseStream;
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                if ((long)(count + 1) * frameBytes > buffer.Length)
                {
                    if ((long)buffer.Length * 2 > Array.MaxLength)
                        throw new GlossaException($"{path}: the video has more than {count} frames at {width}x{height}, too many to hold; set a smaller resize or max-frames");
                    Array.Resize(ref buffer, buffer.Length * 2);
                }
                int got = ReadFull(stdout, buffer.AsSpan(count * frameBytes, frameBytes));
                if (got == 0) break;
                if (got < frameBytes) { run.Finish(path, frames: -1); break; }
                count++;
            }
            errors = run.Finish(path, count);
        }
        return new DecodedClip(count, width, height, buffer) { DecodeErrors = errors };
    }

    Running Start(string path, int width, int height, bool scale)
    {
        CheckInput(path);
        var args = new List<string> { "-nostdin", "-v", "error", "-i", path, "-an", "-sn" };
        if (scale) args.AddRange(["-vf", $"scale={width}:{height}:flags=bilinear"]);
        // Every decoded frame once, as ffprobe counts them (VideoLength): rawvideo output otherwise converts a variable frame
        // rate to a constant one by repeating frames (103 frames of a VFR clip came out as 154).
        args.AddRange(["-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]);
        return new Running(StartProcess(FfmpegPath, "ffmpeg", args));
    }

    static void CheckInput(string path)
    {
        if (!File.Exists(path))
            throw new GlossaException($"{path}: video file not found; check the corpus path");
        VideoLength.RequireNotEmpty(path);
    }

    static Process StartProcess(string exe, string name, IEnumerable<string> args)
    {
        if (!File.Exists(exe))
            throw new GlossaException($"{name} not found: install it with `apt-get install ffmpeg` (looked for {exe})");
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            return Process.Start(psi) ?? throw new GlossaException($"{name} could not be started ({exe})");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new GlossaException($"{name} not found: install it with `apt-get install ffmpeg` ({exe}: {e.Message})", e);
        }
    }

    string RunToEnd(string exe, string name, string path, IEnumerable<string> args)
    {
        using var p = StartProcess(exe, name, args);
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new GlossaException($"{path}: {name} cannot read the video: {ProcessResult.FirstLine(err.Result)}; the file is damaged, incomplete or not a video");
        return output;
    }

    static int ReadFull(Stream s, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = s.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    /// <summary>A running ffmpeg whose stderr is drained in the background (so it never blocks on a full pipe).</summary>
    sealed class Running : IDisposable
    {
        readonly Task<string> stderr;

        public Running(Process process)
        {
            Process = process;
            stderr = process.StandardError.ReadToEndAsync();
        }

        public Process Process { get; }

        /// <summary>
        /// Waits for ffmpeg and turns a failure (exit code, partial frame, no frames) into a one-line error; returns ffmpeg's
        /// first error line when it decoded to the end but reported errors (a damaged MJPEG frame: "error dc"), else null.
        /// </summary>
        public string? Finish(string path, int frames)
        {
            Process.WaitForExit();
            string err = stderr.Result;
            if (Process.ExitCode != 0 && err.Contains("does not contain any stream", StringComparison.Ordinal))
                throw new GlossaException($"{path}: has no video stream (audio only, or not a video); give a video with a picture track or a folder of frames");
            if (Process.ExitCode != 0)
                throw new GlossaException($"{path}: ffmpeg cannot decode the video: {ProcessResult.FirstLine(err)}");
            if (frames < 0)
                throw new GlossaException($"{path}: ffmpeg stopped in the middle of a frame: {ProcessResult.FirstLine(err)}");
            if (frames == 0)
                throw new GlossaException($"{path}: the video has no frames{(err.Length > 0 ? ": " + ProcessResult.FirstLine(err) : "")}");
            return string.IsNullOrWhiteSpace(err) ? null : ProcessResult.FirstLine(err);
        }

        public void Dispose()
        {
            try
            {
                if (!Process.HasExited) Process.Kill(entireProcessTree: true);
                Process.WaitForExit();
            }
            catch (InvalidOperationException) { }
            Process.Dispose();
        }
    }
}
