using System.CommandLine;
using System.Text.Json;
using Glossa.Common;

namespace Glossa.Cli;

/// <summary>Runs the parsed command line and turns user errors into one-line messages.</summary>
internal static class CliRunner
{
    /// <summary>Exit code for invalid input (bad file, bad option value).</summary>
    public const int UserError = 2;

    public static int Run(Command root, string[] args)
    {
        try
        {
            var parsed = root.Parse(args);
            // Hidden commands stay out of their parent's list, but their own --help must still print.
            if (parsed.Action is System.CommandLine.Help.HelpAction && parsed.CommandResult.Command is { Hidden: true } hidden)
                hidden.Hidden = false;
            return parsed.Invoke();
        }
        catch (Exception e) when (Unwrap(e) is GlossaException ge)
        {
            Console.Error.WriteLine($"glossa: error: {ge.Message}");
            return UserError;
        }
    }

    /// <summary>Wraps a command body so that <see cref="GlossaException"/>s become one-line errors.</summary>
    public static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (Unwrap(e) is GlossaException ge)
        {
            Console.Error.WriteLine($"glossa: error: {ge.Message}");
            return UserError;
        }
    }

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
