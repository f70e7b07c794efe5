using System.Text.Json;
using System.Text.Json.Serialization;

namespace Glossa.Common;

/// <summary>
/// The JSON settings of every file Glossa writes (checkpoints, run folders, evaluation results):
/// snake_case names, enums in kebab-case, NaN and infinities allowed (a diverged run's loss must
/// still be written), glosses printed as they are rather than as \u escapes.
/// </summary>
public static class GlossaJson
{
    /// <summary>Indented, for files people read.</summary>
    public static readonly JsonSerializerOptions Files = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The same on one line, for JSON-lines files and streamed output.</summary>
    public static readonly JsonSerializerOptions Lines = new(Files) { WriteIndented = false };
}
