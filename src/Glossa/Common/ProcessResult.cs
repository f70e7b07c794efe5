namespace Glossa.Common;

/// <summary>What a finished process printed and how it exited.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The last non-empty line of stderr (the usual place of a program's reason), or "no message".</summary>
    public string LastErrorLine => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no message";

    /// <summary>The first non-empty line of <paramref name="text"/> without ffmpeg's "[demuxer @ 0x55d0...]" prefix, which names a memory address, not the file.</summary>
    public static string FirstLine(string text)
    {
        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (string.IsNullOrEmpty(line)) return "no error message";
        if (line.StartsWith('[') && line.IndexOf("] ", StringComparison.Ordinal) is int end and > 0 && line.AsSpan(0, end).Contains(" @ 0x", StringComparison.Ordinal))
            line = line[(end + 2)..];
        return line;
    }
}
