using System.Numerics;
using System.Runtime.CompilerServices;

namespace Glossa.Frames;

/// <summary>
/// Bilinear resize from RGBA (as decoded) straight to packed RGB, in fixed point, pixel centres
/// aligned (the convention of PIL, OpenCV and ffmpeg's bilinear scaler). Separable: each source
/// row needed is interpolated horizontally once, then two such rows are blended per output row.
/// Meant for factors down to 1/2; stronger shrinking needs a prefilter (see <see cref="ImageDecoder"/>).
/// </summary>
internal static class BilinearResizer
{
    const int Shift = 11, One = 1 << Shift;

    [ThreadStatic] static int[]? rowA, rowB, xTable;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void RgbaToRgb(byte* src, int sw, int sh, byte* dst, int dw, int dh)
    {
        int rowLen = dw * 3;
        var a = Ensure(ref rowA, rowLen);
        var b = Ensure(ref rowB, rowLen);
        var xt = Ensure(ref xTable, dw * 2);
        // For each output column: the left source offset (bytes) and the right weight.
        for (int x = 0; x < dw; x++)
        {
            double sx = Math.Clamp((x + 0.5) * sw / dw - 0.5, 0, sw - 1);
            int x0 = Math.Min((int)sx, sw - 2 < 0 ? 0 : sw - 2);
            xt[2 * x] = x0 * 4;
            xt[2 * x + 1] = sw == 1 ? 0 : (int)Math.Round((sx - x0) * One);
        }
        int rowAIndex = -1, rowBIndex = -1;
        fixed (int* pa0 = a, pb0 = b, pxt = xt)
        {
            int* pa = pa0, pb = pb0;
            for (int y = 0; y < dh; y++)
            {
                double sy = Math.Clamp((y + 0.5) * sh / dh - 0.5, 0, sh - 1);
                int y0 = Math.Min((int)sy, sh - 2 < 0 ? 0 : sh - 2);
                int y1 = Math.Min(y0 + 1, sh - 1);
                int wy = sh == 1 ? 0 : (int)Math.Round((sy - y0) * One);
                // Reuse horizontally interpolated rows from the previous output row when possible.
                if (rowAIndex != y0)
                {
                    if (rowBIndex == y0) { int* tmp = pa; pa = pb; pb = tmp; rowAIndex = y0; rowBIndex = -1; }
                    else { Horizontal(src + (long)y0 * sw * 4, pxt, dw, sw, pa); rowAIndex = y0; }
                }
                if (rowBIndex != y1)
                {
                    Horizontal(src + (long)y1 * sw * 4, pxt, dw, sw, pb);
                    rowBIndex = y1;
                }
                Blend((uint*)pa, (uint*)pb, (uint)(One - wy), (uint)wy, dst + (long)y * rowLen, rowLen);
            }
        }
    }

    /// <summary>d = (a*wa + b*wb) / One², rounded; 32 bytes per step with AVX2 (values stay below 2^31).</summary>
    static unsafe void Blend(uint* a, uint* b, uint wa, uint wb, byte* d, int n)
    {
        const uint round = 1u << (2 * Shift - 1);
        int i = 0;
        int lanes = Vector<uint>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var vwa = new Vector<uint>(wa);
            var vwb = new Vector<uint>(wb);
            var vr = new Vector<uint>(round);
            for (; i + 4 * lanes <= n; i += 4 * lanes)
            {
                var v0 = Vector.ShiftRightLogical(Vector.Load(a + i) * vwa + Vector.Load(b + i) * vwb + vr, 2 * Shift);
                var v1 = Vector.ShiftRightLogical(Vector.Load(a + i + lanes) * vwa + Vector.Load(b + i + lanes) * vwb + vr, 2 * Shift);
                var v2 = Vector.ShiftRightLogical(Vector.Load(a + i + 2 * lanes) * vwa + Vector.Load(b + i + 2 * lanes) * vwb + vr, 2 * Shift);
                var v3 = Vector.ShiftRightLogical(Vector.Load(a + i + 3 * lanes) * vwa + Vector.Load(b + i + 3 * lanes) * vwb + vr, 2 * Shift);
                Vector.Narrow(Vector.Narrow(v0, v1), Vector.Narrow(v2, v3)).Store(d + i);
            }
        }
        for (; i < n; i++)
            d[i] = (byte)((a[i] * wa + b[i] * wb + round) >> (2 * Shift));
    }

    static unsafe void Horizontal(byte* row, int* xt, int dw, int sw, int* outRow)
    {
        int step = sw == 1 ? 0 : 4;
        for (int x = 0; x < dw; x++)
        {
            byte* p = row + xt[2 * x];
            int w1 = xt[2 * x + 1], w0 = One - w1;
            int* o = outRow + 3 * x;
            o[0] = p[0] * w0 + p[step] * w1;
            o[1] = p[1] * w0 + p[step + 1] * w1;
            o[2] = p[2] * w0 + p[step + 2] * w1;
        }
    }

    static int[] Ensure(ref int[]? buffer, int size)
    {
        if (buffer is null || buffer.Length < size) buffer = new int[size];
        return buffer;
    }
}
