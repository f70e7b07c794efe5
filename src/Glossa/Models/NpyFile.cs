using System.Text;
using System.Text.RegularExpressions;
using Glossa.Common;

namespace Glossa.Models;

/// <summary>
/// NumPy .npy files of float32 matrices (format version 1.0, little-endian, C order): what
/// <c>glossa features</c> writes per video and what numpy.load reads.
/// </summary>
public static partial class NpyFile
{
    /// <summary>Writes a (rows, cols) float32 array.</summary>
    public static void Write(string path, ReadOnlySpan<float> data, long rows, long cols)
    {
        if (data.Length != rows * cols)
            throw new ArgumentException($"npy: {data.Length} values for shape ({rows}, {cols})");
        string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}";
        // Magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in '\n'.
        int total = 10 + dict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        string header = dict + new string(' ', padded - total) + "\n";
        using var stream = File.Create(path);
        using var writer = new BinaryWriter(stream);
        writer.Write(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 });
        writer.Write((ushort)header.Length);
        writer.Write(Encoding.ASCII.GetBytes(header));
        writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data));
    }

    /// <summary>Reads a 2D little-endian float32 .npy file written by <see cref="Write"/> or numpy.save.</summary>
    public static (float[] Data, long Rows, long Cols) Read(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        byte[] magic = reader.ReadBytes(8);
        if (magic.Length < 8 || magic[0] != 0x93 || Encoding.ASCII.GetString(magic, 1, 5) != "NUMPY")
            throw new GlossaException($"{path}: not a .npy file");
        int headerLength = magic[6] == 1 ? reader.ReadUInt16() : (int)reader.ReadUInt32();
        string header = Encoding.Latin1.GetString(reader.ReadBytes(headerLength));
        if (!header.Contains("'<f4'") || header.Contains("'fortran_order': True"))
            throw new GlossaException($"{path}: expected a little-endian float32 C-order array, header {header.Trim()}");
        var m = ShapePattern().Match(header);
        if (!m.Success)
            throw new GlossaException($"{path}: expected a 2D array, header {header.Trim()}");
        long rows = long.Parse(m.Groups[1].Value), cols = long.Parse(m.Groups[2].Value);
        byte[] bytes = reader.ReadBytes(checked((int)(rows * cols * 4)));
        if (bytes.Length != rows * cols * 4)
            throw new GlossaException($"{path}: truncated ({bytes.Length} of {rows * cols * 4} data bytes)");
        var data = new float[rows * cols];
        Buffer.BlockCopy(bytes, 0, data, 0, bytes.Length);
        return (data, rows, cols);
    }

    [GeneratedRegex(@"'shape':\s*\((\d+),\s*(\d+)\)")]
    private static partial Regex ShapePattern();
}
