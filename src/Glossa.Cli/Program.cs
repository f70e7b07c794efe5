using System.CommandLine;
using Glossa.Cli;

// Each command lives in Commands/<Name>Command.cs with a static Create(); add it to this list.
var root = new RootCommand("glossa: continuous sign language recognition (CSLR) toolkit: corpora, training, distillation, decoding, official scoring, training diagnosis.");
foreach (Command command in CommandCatalog.All())
    root.Subcommands.Add(command);
return CliRunner.Run(root, args);
