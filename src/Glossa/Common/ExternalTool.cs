using System.Diagnostics;

namespace Glossa.Common;

/// <summary>
/// The external programs Glossa runs (ffmpeg, ffprobe, python3, sclite): where they are, and one
/// way to run one to completion. A GLOSSA_* variable names a program's path explicitly
/// (GLOSSA_FFMPEG, GLOSSA_FFPROBE, GLOSSA_PYTHON, GLOSSA_SCLITE); otherwise the Debian path, then PATH.
/// </summary>
public sealed record ExternalTool(string Name, string EnvironmentVariable, string DebianPath)
{
    public static readonly ExternalTool Ffmpeg = new("ffmpeg", "GLOSSA_FFMPEG", "/usr/bin/ffmpeg");
    public static readonly ExternalTool Ffprobe = new("ffprobe", "GLOSSA_FFPROBE", "/usr/bin/ffprobe");
    public static readonly ExternalTool Python = new("python3", "GLOSSA_PYTHON", "/usr/bin/python3");
    public static readonly ExternalTool Sclite = new("sclite", "GLOSSA_SCLITE", "/usr/lib/sctk/bin/sclite");

    /// <summary>The program's path: the variable's value, the Debian path, the first match on PATH, else the Debian path (which then fails to start with a clear message).</summary>
    public string Path => Find() ?? DebianPath;

    /// <summary>True when the program exists where <see cref="Path"/> points (a variable naming a missing file is no program).</summary>
    public bool Exists => Find() is { } path && File.Exists(path) && Executable(path);

    /// <summary>True unless the file's mode says no one may run it (a variable naming /etc/passwd is no program).</summary>
    static bool Executable(string path) =>
        OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;

    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> versionAnswers = new(StringComparer.Ordinal);

    /// <summary>
    /// True when the program runs and answers <c>-version</c> as itself ("ffprobe version ...", exit code 0; asked once per
    /// path, for ffmpeg's tools): a GLOSSA_FFPROBE naming /bin/false or /bin/true had made every video of a corpus
    /// "unreadable", each with its own error.
    /// </summary>
    public bool AnswersVersion => versionAnswers.GetOrAdd(Path, _ =>
    {
        try
        {
            var r = ProcessRunner.Run(StartInfo(["-version"]), Name, TimeSpan.FromSeconds(30), allowFailure: true);
            return r.ExitCode == 0 && r.Stdout.Contains($"{Name} version", StringComparison.Ordinal);
        }
        catch (GlossaException) { return false; }
    });

    /// <summary>
    /// Why the program cannot be used, or null when it can: missing (where its variable points, when set), or a program
    /// that does not answer <c>-version</c> as itself (<see cref="AnswersVersion"/>).
    /// </summary>
    public string? Unusable()
    {
        string? env = EnvironmentVariable.Length > 0 ? Environment.GetEnvironmentVariable(EnvironmentVariable) : null;
        if (!Exists) return string.IsNullOrEmpty(env) ? $"{Name} not found" : $"{Name} not found at {env} ({EnvironmentVariable})";
        return AnswersVersion ? null : $"{Path} does not run as {Name} ('-version' does not answer as {Name})";
    }

    /// <summary>What to do about a program that cannot be used: fix the variable that names it, or install its package.</summary>
    public string Remedy(string package) =>
        EnvironmentVariable.Length > 0 && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(EnvironmentVariable))
            ? $"fix {EnvironmentVariable} or unset it"
            : $"install {package} (apt-get install {package})";

    /// <summary>A program at an explicit path (a command-line option): used as given, never searched for.</summary>
    public static ExternalTool At(string name, string path) => new(name, "", path);

    string? Find()
    {
        if (EnvironmentVariable.Length == 0) return File.Exists(DebianPath) ? DebianPath : null;
        string? env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(env)) return env;
        if (File.Exists(DebianPath)) return DebianPath;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = System.IO.Path.Combine(dir, Name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Start settings for the program with <paramref name="args"/>, output redirected.</summary>
    public ProcessStartInfo StartInfo(IEnumerable<string> args) => ProcessRunner.StartInfo(Path, args);

    /// <summary>Runs the program to completion; a non-zero exit becomes a one-line error naming it.</summary>
    public ProcessResult Run(IEnumerable<string> args, TimeSpan? timeout = null) => ProcessRunner.Run(StartInfo(args), Name, timeout);
}
