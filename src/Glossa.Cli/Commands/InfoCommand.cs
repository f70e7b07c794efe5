using System.CommandLine;

namespace Glossa.Cli.Commands;

/// <summary><c>glossa info</c>: versions, the torch backend and the devices Glossa can use.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Print Glossa's version, the libtorch backend and available devices.");
        command.SetAction(_ => CliRunner.Guard(() =>
        {
            Console.WriteLine($"glossa {typeof(InfoCommand).Assembly.GetName().Version}");
            Console.WriteLine($"libtorch threads: {TorchSharp.torch.get_num_threads()}");
            Console.WriteLine($"cuda available: {TorchSharp.torch.cuda.is_available()}");
            return 0;
        }));
        return command;
    }
}
