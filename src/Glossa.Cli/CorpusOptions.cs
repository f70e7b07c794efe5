using System.CommandLine;
using Glossa.Common;
using Glossa.Corpora;

namespace Glossa.Cli;

/// <summary>
/// The <c>--corpus</c> and <c>--format</c> options, shared so that every command reads a corpus
/// the same way: add them with <see cref="AddTo"/>, read the corpus with <see cref="Load"/>.
/// </summary>
internal static class CorpusOptions
{
    /// <summary><c>--corpus PATH</c>: release root, variant folder, annotations folder or manifest.</summary>
    public static readonly Option<string?> Corpus = new("--corpus")
    {
        Description = "Corpus to read: a release root (phoenix2014-release/), a variant folder (phoenix-2014-multisigner/, PHOENIX-2014-T/, CSL-Daily/), its annotations/ folder, or a glossa-manifest.csv.",
        HelpName = "PATH",
    };

    /// <summary><c>--format F</c>: forces the corpus format instead of detecting it.</summary>
    public static readonly Option<string?> Format = CreateFormatOption();

    /// <summary>A new <c>--format</c> option (for commands that take the corpus as an argument); <c>--corpus-format</c>, as train and evaluate name it, works too.</summary>
    public static Option<string?> CreateFormatOption() => new("--format", "--corpus-format", "--corpus_format")
    {
        Description = "Force the corpus format instead of detecting it: phoenix2014 (multisigner or SI5), phoenix2014t, csl-daily, manifest.",
        HelpName = "F",
    };

    /// <summary>Adds <c>--corpus</c> and <c>--format</c> to a command.</summary>
    public static void AddTo(Command command)
    {
        command.Options.Add(Corpus);
        command.Options.Add(Format);
    }

    /// <summary>The forced format, or null to detect it; a one-line error for an unknown name.</summary>
    public static CorpusFormat? GetFormat(ParseResult parse, Option<string?>? option = null) =>
        parse.GetValue(option ?? Format) is { Length: > 0 } text ? CorpusLoader.ParseFormat(text) : null;

    /// <summary>Reads the corpus named by <c>--corpus</c> strictly (the first problem is a one-line error).</summary>
    public static Corpus Load(ParseResult parse)
    {
        string path = parse.GetValue(Corpus)
            ?? throw new GlossaException("--corpus is required: pass the corpus folder (e.g. phoenix2014-release/) or a glossa-manifest.csv");
        return CorpusLoader.Load(path, GetFormat(parse));
    }
}
