using System.CommandLine;
using Glossa.Cli.Commands;

namespace Glossa.Cli;

/// <summary>The list of top-level commands. One line per command.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return InfoCommand.Create();
        yield return ScoreCommand.Create();
        yield return BenchDecodeCommand.Create();
        yield return BenchScoreCommand.Create();
        yield return TrainCommand.Create();
        yield return TrainCommand.CreateTeacher();
        yield return EvaluateCommand.Create();
        yield return DemoCommand.Create();
        yield return CorpusCommand.Create();
        yield return SynthCommand.Create();
        yield return BenchLoaderCommand.Create();
        yield return ModelCommand.Create();
        yield return FeaturesCommand.Create();
        yield return DiagnoseCommand.Create();
        yield return DistillCommand.Create();
        yield return CompareCommand.Create();
        yield return RecognizeCommand.Create();
        yield return BenchCommand.Create();
        yield return BenchEnginesCommand.Create();
    }
}
