using System.CommandLine;
using System.CommandLine.Help;
using Glossa.Cli;

// A plain Command named "glossa" (not RootCommand) so help shows the launcher's name, not the dll's.
var root = new Command("glossa", "Continuous sign language recognition (CSLR): corpora, training, distillation, decoding, official scoring, training diagnosis.");
root.Options.Add(new HelpOption());
root.Options.Add(new VersionOption());
foreach (Command command in CommandCatalog.All())
    root.Subcommands.Add(command);
return CliRunner.Run(root, args);
