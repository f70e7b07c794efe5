using System.Text;

namespace Glossa.Tests.Build;

/// <summary>Reads the GNU version-need table of an ELF64 little-endian library (independent of the build task that writes it).</summary>
internal static class ElfWeakness
{
    const uint ShtGnuVerneed = 0x6ffffffe;

    /// <summary>True when the version-need entry <paramref name="version"/> is marked VER_FLG_WEAK; fails when the library does not need it.</summary>
    public static bool IsWeak(string library, string version)
    {
        byte[] b = File.ReadAllBytes(library);
        long shoff = (long)BitConverter.ToUInt64(b, 0x28);
        int shentsize = BitConverter.ToUInt16(b, 0x3A), shnum = BitConverter.ToUInt16(b, 0x3C);
        for (int i = 0; i < shnum; i++)
        {
            int sh = (int)(shoff + i * shentsize);
            if (BitConverter.ToUInt32(b, sh + 4) != ShtGnuVerneed) continue;
            int entry = (int)BitConverter.ToUInt64(b, sh + 24);
            int strings = (int)BitConverter.ToUInt64(b, (int)(shoff + BitConverter.ToUInt32(b, sh + 40) * shentsize) + 24);
            for (uint n = 0, count = BitConverter.ToUInt32(b, sh + 44); n < count; n++)
            {
                int aux = entry + (int)BitConverter.ToUInt32(b, entry + 8);
                for (int a = 0; a < BitConverter.ToUInt16(b, entry + 2); a++)
                {
                    int name = strings + (int)BitConverter.ToUInt32(b, aux + 8);
                    int end = Array.IndexOf(b, (byte)0, name);
                    if (Encoding.ASCII.GetString(b, name, end - name) == version)
                        return (BitConverter.ToUInt16(b, aux + 4) & 0x2) != 0;
                    aux += (int)BitConverter.ToUInt32(b, aux + 12);
                }
                entry += (int)BitConverter.ToUInt32(b, entry + 12);
            }
        }
        throw new InvalidOperationException($"{library} does not need {version}");
    }
}
