using System.Buffers.Binary;
using System.Text;

namespace Glossa.Tests.Training;

/// <summary>
/// Reads a TensorBoard event file the way TensorBoard does: TFRecord framing with masked CRC-32C
/// checks on every length and payload, then the Event / Summary / Value protobuf messages
/// (wire format walked by hand: only the fields TensorBoard shows for scalars, histograms and text).
/// A corrupt record is an exception, so a test over this reader fails on a file TensorBoard would reject.
/// </summary>
internal static class TensorBoardEvents
{
    public sealed record Histogram(double Min, double Max, double Count, double Sum, IReadOnlyList<double> Buckets);

    public sealed record Entry(long Step, string Tag, float? Scalar, Histogram? Histogram, string? Text);

    /// <summary>The file version string (first record) and every summary value of every event, in file order.</summary>
    public static (string? FileVersion, List<Entry> Entries) Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        string? version = null;
        var entries = new List<Entry>();
        int pos = 0;
        while (pos < bytes.Length)
        {
            if (bytes.Length - pos < 12) throw new InvalidDataException($"{path}: truncated record header at byte {pos}");
            var header = bytes.AsSpan(pos, 8);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(header);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 8, 4)) != MaskedCrc(header))
                throw new InvalidDataException($"{path}: bad length CRC at byte {pos}");
            pos += 12;
            if ((ulong)(bytes.Length - pos) < length + 4) throw new InvalidDataException($"{path}: truncated record at byte {pos}");
            var data = new ReadOnlyMemory<byte>(bytes, pos, (int)length);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + (int)length, 4)) != MaskedCrc(data.Span))
                throw new InvalidDataException($"{path}: bad data CRC at byte {pos}");
            pos += (int)length + 4;

            long step = 0;
            var summaries = new List<ReadOnlyMemory<byte>>();
            foreach (var f in Fields(data))
            {
                if (f.Number == 2) step = (long)f.Varint;
                else if (f.Number == 3) version = Encoding.UTF8.GetString(f.Bytes.Span);
                else if (f.Number == 5) summaries.Add(f.Bytes);
            }
            foreach (var summary in summaries)
                foreach (var value in Fields(summary).Where(f => f.Number == 1))
                    entries.Add(ReadValue(step, value.Bytes));
        }
        return (version, entries);
    }

    static Entry ReadValue(long step, ReadOnlyMemory<byte> value)
    {
        string tag = "";
        float? scalar = null;
        Histogram? histogram = null;
        string? text = null;
        foreach (var f in Fields(value))
        {
            switch (f.Number)
            {
                case 1: tag = Encoding.UTF8.GetString(f.Bytes.Span); break;
                case 2: scalar = BitConverter.Int32BitsToSingle((int)(uint)f.Varint); break; // fixed32 simple_value
                case 5: histogram = ReadHistogram(f.Bytes); break;
                case 8: // TensorProto: string_val = 8
                    text = string.Join("\n", Fields(f.Bytes).Where(t => t.Number == 8).Select(t => Encoding.UTF8.GetString(t.Bytes.Span)));
                    break;
            }
        }
        return new Entry(step, tag, scalar, histogram, text);
    }

    static Histogram ReadHistogram(ReadOnlyMemory<byte> h)
    {
        double min = 0, max = 0, num = 0, sum = 0;
        var buckets = new List<double>();
        foreach (var f in Fields(h))
        {
            double d = BitConverter.Int64BitsToDouble((long)f.Varint);
            switch (f.Number)
            {
                case 1: min = d; break;
                case 2: max = d; break;
                case 3: num = d; break;
                case 4: sum = d; break;
                case 7:
                    if (f.Wire == 2) // packed doubles
                        for (int i = 0; i + 8 <= f.Bytes.Length; i += 8)
                            buckets.Add(BinaryPrimitives.ReadDoubleLittleEndian(f.Bytes.Span.Slice(i, 8)));
                    else
                        buckets.Add(d);
                    break;
            }
        }
        return new Histogram(min, max, num, sum, buckets);
    }

    /// <summary>One protobuf field: number, wire type, the integer (varint, fixed64 or fixed32 bits) or the bytes.</summary>
    readonly record struct Field(int Number, int Wire, ulong Varint, ReadOnlyMemory<byte> Bytes);

    static IEnumerable<Field> Fields(ReadOnlyMemory<byte> message)
    {
        int pos = 0;
        while (pos < message.Length)
        {
            ulong key = Varint(message.Span, ref pos);
            int number = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0: yield return new Field(number, wire, Varint(message.Span, ref pos), default); break;
                case 1: yield return new Field(number, wire, BinaryPrimitives.ReadUInt64LittleEndian(message.Span.Slice(pos, 8)), default); pos += 8; break;
                case 2:
                    int len = (int)Varint(message.Span, ref pos);
                    yield return new Field(number, wire, 0, message.Slice(pos, len));
                    pos += len;
                    break;
                case 5: yield return new Field(number, wire, BinaryPrimitives.ReadUInt32LittleEndian(message.Span.Slice(pos, 4)), default); pos += 4; break;
                default: throw new InvalidDataException($"protobuf wire type {wire} at byte {pos}");
            }
        }
    }

    static ulong Varint(ReadOnlySpan<byte> s, ref int pos)
    {
        ulong result = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = s[pos++];
            result |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return result;
        }
    }

    static readonly uint[] Table = Enumerable.Range(0, 256).Select(i =>
    {
        uint c = (uint)i;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1; // CRC-32C (Castagnoli), reflected
        return c;
    }).ToArray();

    static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data) crc = Table[(crc ^ b) & 0xff] ^ (crc >> 8);
        crc ^= 0xFFFFFFFFu;
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }
}
