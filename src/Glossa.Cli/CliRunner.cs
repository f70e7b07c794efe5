using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Glossa.Common;

namespace Glossa.Cli;

/// <summary>
/// Runs the parsed command line and turns every failure into one line on stderr and a documented
/// exit code (<see cref="ExitCodes"/>): never a stack trace, never a help dump for a bad value.
/// </summary>
internal static partial class CliRunner
{
    /// <summary>Exit code for invalid input (bad file, bad option value).</summary>
    public const int UserError = ExitCodes.BadInput;

    public static int Run(Command root, string[] args)
    {
        var parsed = root.Parse(args);
        // Hidden commands stay out of their parent's list, but their own --help must still print.
        if (parsed.Action is System.CommandLine.Help.HelpAction && parsed.CommandResult.Command is { Hidden: true } hidden)
            hidden.Hidden = false;
        if (parsed.Errors.Count > 0 && parsed.Action is not System.CommandLine.Help.HelpAction)
        {
            // An unknown word says more than the "required command" complaint it causes.
            var error = parsed.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parsed.Errors[0];
            string help = string.Join(' ', new[] { "glossa", CommandPath(parsed.CommandResult), "--help" }.Where(s => s.Length > 0));
            Console.Error.WriteLine($"glossa: error: {ParseMessage(error)}{Suggestion(error, parsed.CommandResult.Command)} (see '{help}')");
            return ExitCodes.BadInput;
        }
        if (DecimalComma(parsed.RootCommandResult) is { } comma)
        {
            Console.Error.WriteLine($"glossa: error: {comma}");
            return ExitCodes.BadInput;
        }
        return Guard(() => parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }));
    }

    static readonly Type[] DecimalTypes = [typeof(double), typeof(float), typeof(decimal)];

    /// <summary>
    /// A decimal comma in a number option ("--time-budget 7,5"), which .NET's number parsing reads
    /// as a thousands separator (75) without complaint; null when there is none.
    /// </summary>
    static string? DecimalComma(CommandResult result)
    {
        foreach (var child in result.Children)
        {
            if (child is OptionResult option)
            {
                Type type = option.Option.ValueType;
                type = type.IsArray ? type.GetElementType()! : Nullable.GetUnderlyingType(type) ?? type;
                if (DecimalTypes.Contains(type) && option.Tokens.FirstOrDefault(t => t.Value.Contains(',')) is { } token)
                    return ThousandsOrDecimal().IsMatch(token.Value)
                        ? $"{option.Option.Name} {token.Value}: write {token.Value.Replace(',', '.')} for a decimal or {token.Value.Replace(",", "")} for a whole number; a comma is not read"
                        : $"{option.Option.Name} {token.Value}: write decimals with a point ({token.Value.Replace(',', '.')}); a comma would be read as a thousands separator";
            }
            else if (child is CommandResult command && DecimalComma(command) is { } found)
                return found;
        }
        return null;
    }

    /// <summary>Wraps a command body so that every exception becomes one line and its exit code.</summary>
    public static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e)
        {
            var (code, message) = Classify(Unwrap(e));
            Console.Error.WriteLine($"glossa: error: {message}");
            return code;
        }
    }

    /// <summary>
    /// Wraps a command body that observes a cancellation token: the first Ctrl+C or SIGTERM cancels
    /// it, the body stops at its next check and removes what it had half written, and the command
    /// exits 130 (README, "Exit codes"); a second signal exits at once.
    /// </summary>
    public static int Interruptible(Func<CancellationToken, int> body)
    {
        using var cancel = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            if (cancel.IsCancellationRequested) Environment.Exit(ExitCodes.Interrupted);
            cancel.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        return Guard(() =>
        {
            try
            {
                return body(cancel.Token);
            }
            catch (Exception e) when (cancel.IsCancellationRequested && Unwrap(e) is OperationCanceledException)
            {
                Console.Error.WriteLine("glossa: interrupted; nothing half-written was left behind");
                return ExitCodes.Interrupted;
            }
        });
    }

    /// <summary>The exit code and the one-line message for an exception that reached the command line.</summary>
    static (int Code, string Message) Classify(Exception e) => e switch
    {
        GlossaException => (ExitCodes.BadInput, OneLine(e.Message)),
        OutputException => (ExitCodes.CannotWrite, OneLine(e.Message)),
        Glossa.Training.NonFiniteLossException => (ExitCodes.Failed, OneLine(e.Message)),
        _ when SafeWrite.IsOutputFailure(e) => (ExitCodes.CannotWrite, OneLine(SafeWrite.Describe(e, PathIn(e) ?? "an output").Message)),
        FileNotFoundException or DirectoryNotFoundException => (ExitCodes.BadInput, OneLine($"{PathIn(e) ?? "a file"}: not found")),
        IOException => (ExitCodes.CannotWrite, OneLine($"{PathIn(e) ?? "a file"}: {SafeWrite.Reason(e)}")),
        _ => (ExitCodes.Internal, Internal(e)),
    };

    /// <summary>An unexpected exception: one line, the details saved to a file for a bug report.</summary>
    static string Internal(Exception e)
    {
        string file = Path.Combine(Path.GetTempPath(), $"glossa-error-{Environment.ProcessId}.txt");
        try { File.WriteAllText(file, e.ToString()); }
        catch (Exception io) when (io is IOException or UnauthorizedAccessException) { file = "(could not be saved)"; }
        return OneLine($"internal error: {e.Message.TrimEnd('.')}; details in {file}; please report it");
    }

    static string OneLine(string message) => string.Join(" ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    static string? PathIn(Exception e)
    {
        if (e is FileNotFoundException { FileName: { } f }) return f;
        var m = QuotedPath().Match(e.Message);
        return m.Success ? m.Groups[1].Value : null;
    }

    static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is CommandResult c; r = c.Parent)
            names.Insert(0, c.Command.Name);
        return string.Join(' ', names.Skip(1));
    }

    /// <summary>
    /// " (did you mean --time-budget?)" when an unknown option (or subcommand: "trian") is a few typing
    /// slips from one of the command's (case, '_' for '-', a swapped, missing, extra or wrong letter); "" otherwise.
    /// </summary>
    static string Suggestion(ParseError error, Command command)
    {
        var m = UnknownToken().Match(error.Message);
        if (!m.Success || m.Groups[1].Value.Length == 0) return "";
        string given = m.Groups[1].Value.Split('=')[0].Replace('_', '-').ToLowerInvariant();
        var names = given.StartsWith("--", StringComparison.Ordinal)
            ? command.Options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Append(o.Name).Where(n => n.StartsWith("--", StringComparison.Ordinal)).Select(n => (Name: n, Shown: o.Name)))
            : given.StartsWith('-') ? [] : command.Subcommands.Where(c => !c.Hidden).Select(c => (Name: c.Name, Shown: c.Name));
        var near = names.Select(n => (n.Shown, Distance: EditDistance.Of(given, n.Name))).OrderBy(x => x.Distance).FirstOrDefault();
        // One slip in a short name, up to three in a long one: "--seeds" for "--seed", not "--beam" for "--bar".
        int allowed = Math.Clamp((given.TrimStart('-').Length) / 4, 1, 3);
        return near.Shown is { } shown && near.Distance <= allowed ? $" (did you mean {shown}?)" : "";
    }

    /// <summary>System.CommandLine's parse errors, with .NET type names replaced by what the value must be.</summary>
    static string ParseMessage(ParseError error)
    {
        var twice = GivenTwice().Match(error.Message);
        if (twice.Success)
            return $"{twice.Groups[1].Value} was given {twice.Groups[2].Value} times; give it once";
        var m = CannotParse().Match(error.Message);
        if (!m.Success)
        {
            string message = OneLine(error.Message).TrimEnd('.');
            string? option = OptionOf(error)?.Name;
            return option is null || message.Contains(option, StringComparison.Ordinal) ? message : $"{option}: {message}";
        }
        // The example is the option's default where it has one: a generic "0.5" misleads where the
        // option's range starts higher (the demo's --time-budget is at least 1).
        string? example = OptionOf(error) is { HasDefaultValue: true } withDefault && withDefault.GetDefaultValue() is IFormattable value
            ? value.ToString(null, CultureInfo.InvariantCulture) : null;
        string expected = m.Groups[3].Value switch
        {
            // the option's own range is checked once it parses, with its own message (e.g. --frame-size 16-1024)
            "System.Int32" or "System.Nullable`1[System.Int32]" or "System.Int64" or "System.Nullable`1[System.Int64]" => "a whole number",
            "System.Double" or "System.Nullable`1[System.Double]" or "System.Single" =>
                example is null ? "a number such as 0.5 or 3e-4" : $"a number such as {example} (the default)",
            "System.Boolean" => "true or false",
            _ => "a value of another kind",
        };
        return $"{m.Groups[2].Value}: '{m.Groups[1].Value}' is not valid; expected {expected}";
    }

    /// <summary>The option a parse error is about, if any.</summary>
    static Option? OptionOf(ParseError error) => error.SymbolResult switch
    {
        OptionResult o => o.Option,
        ArgumentResult { Parent: OptionResult o } => o.Option,
        _ => null,
    };

    /// <summary>"1,000" or "12,500" (one comma, three digits after it, no leading 0): a comma that may be a thousands separator as well as a decimal comma.</summary>
    [GeneratedRegex(@"^-?[1-9]\d{0,2},\d{3}$")]
    private static partial Regex ThousandsOrDecimal();

    [GeneratedRegex(@"^Cannot parse argument '(.*)' for (?:option|command|argument) '(.*)' as expected type '(.*)'\.?$", RegexOptions.Singleline)]
    private static partial Regex CannotParse();

    [GeneratedRegex(@"^Option '(.*)' expects a single argument but (\d+) were provided\.?$")]
    private static partial Regex GivenTwice();

    [GeneratedRegex(@"^Unrecognized command or argument '(.*)'\.?$")]
    private static partial Regex UnknownToken();

    [GeneratedRegex(@"'(/[^']*)'")]
    private static partial Regex QuotedPath();

    static Exception Unwrap(Exception e)
    {
        while (e is AggregateException { InnerException: not null } || e is System.Reflection.TargetInvocationException { InnerException: not null })
            e = e.InnerException!;
        return e;
    }

    /// <summary>JSON options shared by every <c>--json</c> output: snake_case names, indented.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        // Glosses are often non-ASCII (CSL-Daily, umlauts): print them as they are, not as \u escapes.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void PrintJson<T>(T value) => Console.WriteLine(JsonSerializer.Serialize(value, Json));
}
