using System.Text;
using SkiaSharp;

namespace Glossa.Tests.Corpora;

/// <summary>A temporary folder in which tests write small corpora in the real on-disk formats.</summary>
internal sealed class CorpusFixture : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("glossa-corpora-").FullName;

    public string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>Writes UTF-8 text (no BOM, '\n' line ends) creating folders.</summary>
    public string WriteText(string relative, string text)
    {
        string p = Path(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(p)!);
        File.WriteAllText(p, text, new UTF8Encoding(false));
        return p;
    }

    /// <summary>Writes <paramref name="count"/> tiny PNG (or JPEG) frames named by <paramref name="name"/>(index).</summary>
    public List<string> WriteFrames(string relativeFolder, int count, Func<int, string> name)
    {
        string folder = Path(relativeFolder);
        Directory.CreateDirectory(folder);
        var paths = new List<string>();
        for (int i = 0; i < count; i++)
        {
            string p = System.IO.Path.Combine(folder, name(i));
            WriteImage(p, i);
            paths.Add(p);
        }
        return paths;
    }

    public static void WriteImage(string path, int shade)
    {
        using var bitmap = new SKBitmap(8, 8);
        bitmap.Erase(new SKColor((byte)(shade * 10 % 256), 80, 160));
        var format = path.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) ? SKEncodedImageFormat.Jpeg : SKEncodedImageFormat.Png;
        using var data = bitmap.Encode(format, 90);
        File.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>
    /// A PHOENIX-2014 variant folder (e.g. phoenix-2014-multisigner) inside a release root, with
    /// the given rows per split; each row's frames are written unless its id is in <paramref name="noFrames"/>.
    /// </summary>
    public string WritePhoenix2014(string variant, Dictionary<string, string[]> rows, int frames = 24, params string[] noFrames)
    {
        string vroot = $"phoenix2014-release/{variant}";
        foreach (var (split, lines) in rows)
        {
            // The signer-independent release names its files train.SI5.corpus.csv etc.
            string file = variant.Contains("SI5") ? $"{split}.SI5.corpus.csv" : $"{split}.corpus.csv";
            WriteText($"{vroot}/annotations/manual/{file}", "id|folder|signer|annotation\n" + string.Join("\n", lines) + "\n");
            // The split's frame folder exists even when none of its samples has frames (noFrames): a missing
            // sample is reported per row; a missing split folder once (CorpusCheckTests).
            Directory.CreateDirectory(Path($"{vroot}/features/fullFrame-210x260px/{split}"));
            foreach (var line in lines)
            {
                string id = line.Split('|')[0];
                if (id.Length == 0 || noFrames.Contains(id) || line.Split('|').Length != 4) continue;
                WriteFrames($"{vroot}/features/fullFrame-210x260px/{split}/{id}/1", frames, i => $"{id}.avi_pid0_fn{i:D6}-0.png");
            }
        }
        return Path(vroot);
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
