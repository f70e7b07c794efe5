// Recognises the glosses of a folder of frames with a trained checkpoint:
//   dotnet run -- CHECKPOINT FRAME_FOLDER
using Glossa.Recognition;
using static TorchSharp.torch;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: RecognizeFrames CHECKPOINT FRAME_FOLDER");
    return 2;
}

// The first tensor loads libtorch (and libLibTorchSharp.so, which the package's build step made loadable).
using (var probe = ones(2, 3).sum())
    Console.WriteLine($"libtorch loaded: ones(2, 3).sum() = {probe.item<float>()}");

try
{
    using var recognizer = Recognizer.Load(new RecognitionOptions { Checkpoint = args[0], Device = "cpu" });
    var result = recognizer.Recognize(args[1]);
    Console.WriteLine($"{result.Frames} frames -> {result.OutputFrames} outputs: {string.Join(' ', result.Glosses)}");
    return 0;
}
catch (Glossa.Common.GlossaException e)
{
    // Glossa's errors are one actionable line naming the file or option.
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
