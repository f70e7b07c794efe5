// Compiled by MSBuild's RoslynCodeTaskFactory (see PatchLibTorchSharp.targets).
// Marks one GNU version-need entry of an ELF64 little-endian shared library as weak, so that
// glibc's loader accepts the library when the system lacks that symbol version.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class GlossaPatchElfVersionNeed : Task
{
    [Required] public string Library { get; set; } = "";
    [Required] public string Version { get; set; } = "";
    /// True: patch even when the system libstdc++ has the version (output meant for other machines).
    public bool Always { get; set; }

    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    public override bool Execute()
    {
        if (!Always && SystemProvides(Version))
        {
            Log.LogMessage(MessageImportance.Low, "glossa: system libstdc++ has " + Version + "; " + Library + " left as is");
            return true;
        }
        byte[] elf = File.ReadAllBytes(Library);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[4] != 2 || elf[5] != 1)
        {
            Log.LogError("glossa: " + Library + " is not a 64-bit little-endian ELF file");
            return false;
        }
        int changed = MarkWeak(elf, Version);
        if (changed < 0) { Log.LogMessage(MessageImportance.Low, "glossa: " + Library + " needs no " + Version); return true; }
        if (changed == 0) { Log.LogMessage(MessageImportance.Low, "glossa: " + Library + " already patched"); return true; }
        string tmp = Library + ".glossa-tmp";
        File.WriteAllBytes(tmp, elf);
        if (File.Exists(Library)) File.Delete(Library);
        File.Move(tmp, Library);
        Log.LogMessage(MessageImportance.High, "glossa: marked " + Version + " weak in " + Library);
        return true;
    }

    // Returns -1 if the version is not needed at all, 0 if already weak, else the number of entries changed.
    static int MarkWeak(byte[] b, string version)
    {
        ulong shoff = BitConverter.ToUInt64(b, 0x28);
        int shentsize = BitConverter.ToUInt16(b, 0x3A);
        int shnum = BitConverter.ToUInt16(b, 0x3C);
        int found = -1;
        for (int i = 0; i < shnum; i++)
        {
            int sh = checked((int)shoff + i * shentsize);
            if (BitConverter.ToUInt32(b, sh + 4) != ShtGnuVerneed) continue;
            int secOff = checked((int)BitConverter.ToUInt64(b, sh + 24));
            int link = (int)BitConverter.ToUInt32(b, sh + 40);
            int count = (int)BitConverter.ToUInt32(b, sh + 44);
            int strSh = checked((int)shoff + link * shentsize);
            int strOff = checked((int)BitConverter.ToUInt64(b, strSh + 24));
            int vn = secOff;
            for (int n = 0; n < count; n++)
            {
                int cnt = BitConverter.ToUInt16(b, vn + 2);
                int vna = vn + (int)BitConverter.ToUInt32(b, vn + 8);
                for (int a = 0; a < cnt; a++)
                {
                    int nameOff = strOff + (int)BitConverter.ToUInt32(b, vna + 8);
                    if (CString(b, nameOff) == version)
                    {
                        if (found < 0) found = 0;
                        ushort flags = BitConverter.ToUInt16(b, vna + 4);
                        if ((flags & VerFlgWeak) == 0)
                        {
                            flags |= VerFlgWeak;
                            b[vna + 4] = (byte)(flags & 0xff);
                            b[vna + 5] = (byte)(flags >> 8);
                            found++;
                        }
                    }
                    vna += (int)BitConverter.ToUInt32(b, vna + 12);
                }
                int next = (int)BitConverter.ToUInt32(b, vn + 12);
                if (next == 0) break;
                vn += next;
            }
        }
        return found;
    }

    static string CString(byte[] b, int off)
    {
        int end = off;
        while (end < b.Length && b[end] != 0) end++;
        return Encoding.ASCII.GetString(b, off, end - off);
    }

    static int IndexOf(byte[] hay, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= hay.Length; i++)
        {
            if (hay[i] != needle[0]) continue;
            int j = 1;
            while (j < needle.Length && hay[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }

    static bool SystemProvides(string version)
    {
        string[] candidates = {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6",
            "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib/libstdc++.so.6" };
        byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
        foreach (string path in candidates)
        {
            if (!File.Exists(path)) continue;
            byte[] lib = File.ReadAllBytes(path);
            return IndexOf(lib, needle) >= 0;
        }
        return false;
    }
}
