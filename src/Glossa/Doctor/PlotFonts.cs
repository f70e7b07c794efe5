namespace Glossa.Doctor;

/// <summary>
/// Registers a TrueType font with ScottPlot. The SkiaSharp native library Glossa ships
/// (NativeAssets.Linux.NoDependencies) has no fontconfig, so system fonts are invisible to it and
/// plots would have no text; we load a font file ourselves. Search order: <c>GLOSSA_PLOT_FONT</c>,
/// DejaVu Sans / Liberation Sans at their Debian paths, then any .ttf under /usr/share/fonts.
/// </summary>
internal static class PlotFonts
{
    const string Family = "Glossa Plot Sans";
    static readonly object Gate = new();
    static bool tried;
    static string? loaded;

    /// <summary>The font file in use, or null when none was found (plots are then skipped).</summary>
    public static string? Ensure()
    {
        lock (Gate)
        {
            if (tried) return loaded;
            tried = true;
            foreach (string path in Candidates())
            {
                if (!File.Exists(path)) continue;
                ScottPlot.Fonts.AddFontFile(Family, path);
                string bold = path.Replace("Sans.ttf", "Sans-Bold.ttf").Replace("Regular.ttf", "Bold.ttf");
                if (bold != path && File.Exists(bold)) ScottPlot.Fonts.AddFontFile(Family, bold, bold: true);
                ScottPlot.Fonts.Default = Family;
                loaded = path;
                break;
            }
            return loaded;
        }
    }

    static IEnumerable<string> Candidates()
    {
        if (Environment.GetEnvironmentVariable("GLOSSA_PLOT_FONT") is { Length: > 0 } env) yield return env;
        yield return "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
        yield return "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf";
        yield return "/usr/share/fonts/TTF/DejaVuSans.ttf";
        yield return "/usr/share/fonts/dejavu/DejaVuSans.ttf";
        if (Directory.Exists("/usr/share/fonts"))
            foreach (var f in Directory.EnumerateFiles("/usr/share/fonts", "*.ttf", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                yield return f;
    }
}
