using System.CommandLine;
using System.CommandLine.Help;
using Glossa.Cli;
using Glossa.Models;

// Before anything loads libtorch: its OpenMP threads sleep instead of spinning while they wait
// (OMP_WAIT_POLICY=PASSIVE unless the environment sets a policy; docs/training.md "OpenMP threads").
LibTorchDefaults.PreferPassiveOpenMp();

// A plain Command named "glossa" (not RootCommand) so help shows the launcher's name, not the dll's.
var root = new Command("glossa", "Continuous sign language recognition (CSLR): corpora, training, distillation, decoding, official scoring, training diagnosis.");
root.Options.Add(new HelpOption());
root.Options.Add(new VersionOption());
foreach (Command command in CommandCatalog.All())
    root.Subcommands.Add(command);
// Files and pipes get whole tables, one line per row, not columns cut to fit 80 characters (e.g. corpus check | less).
if (Console.IsOutputRedirected)
    Spectre.Console.AnsiConsole.Profile.Width = Math.Max(Spectre.Console.AnsiConsole.Profile.Width, 180);
return CliRunner.Run(root, args);
