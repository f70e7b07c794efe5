using Glossa.Common;
using Glossa.Frames;

namespace Glossa.Tests.Frames;

public sealed class ClipTransformTests
{
    static DecodedClip Synthetic(int frames, int w, int h)
    {
        var pixels = new byte[frames * w * h * 3];
        for (int t = 0; t < frames; t++) FrameTestData.Rgb(t, w, h).CopyTo(pixels, t * w * h * 3);
        return new DecodedClip(frames, w, h, pixels);
    }

    static readonly FrameOptions Small = FrameOptions.Square(16, 12) with { RescaleMinFrames = 2, RescaleMaxFrames = 100 };

    [Fact]
    public void Eval_centre_crop_normalises_to_x_over_127_5_minus_1()
    {
        var clip = Synthetic(2, 16, 16);
        var dst = new float[2 * 3 * 12 * 12];
        ClipTransform.Apply(clip, [0, 1], ClipTransform.Draw(Small, FrameMode.Eval, ref Unused), Small, dst);

        // Frame 1, channel G (1), crop pixel (x=5, y=7) comes from source (7, 9).
        var (_, g, _) = FrameTestData.Pixel(1, 7, 9);
        float actual = dst[1 * 3 * 144 + 1 * 144 + 7 * 12 + 5];
        Assert.Equal(g / 127.5f - 1f, actual, 5);
        Assert.All(dst, v => Assert.InRange(v, -1f, 1f));
    }

    static ClipRandom Unused = ClipRandom.For(0, 0, 0);

    [Fact]
    public void Eval_is_deterministic_and_never_flips_or_jitters()
    {
        var o = Small with { Brightness = 0.5, Contrast = 0.5, Saturation = 0.5, FlipProbability = 1, TemporalRescale = 0.5 };
        for (int seed = 0; seed < 20; seed++)
        {
            var rng = ClipRandom.For(seed, seed, seed);
            var aug = ClipTransform.Draw(o, FrameMode.Eval, ref rng);
            Assert.Equal(ClipAugmentation.Centre(o), aug);
            Assert.Equal(Enumerable.Range(0, 30), ClipTransform.FrameIndices(30, o, FrameMode.Eval, ref rng));
        }
    }

    [Fact]
    public void Flip_mirrors_each_row()
    {
        var clip = Synthetic(1, 16, 16);
        var plain = new float[3 * 144];
        var flipped = new float[3 * 144];
        ClipTransform.Apply(clip, [0], new ClipAugmentation(1, 2, false, 1, 1, 1), Small, plain);
        ClipTransform.Apply(clip, [0], new ClipAugmentation(1, 2, true, 1, 1, 1), Small, flipped);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 12; y++)
                for (int x = 0; x < 12; x++)
                    Assert.Equal(plain[c * 144 + y * 12 + x], flipped[c * 144 + y * 12 + 11 - x]);
    }

    [Fact]
    public void Zoom_samples_its_region_at_the_crop_pixel_centres()
    {
        var clip = Synthetic(1, 16, 16);
        var dst = new float[3 * 144];
        // Zoom 1.25: a 15x15 region at (1, 0) read into the 12x12 crop; crop pixel x reads region
        // column floor((x + 0.5) * 15 / 12), mirrored when flipped.
        foreach (bool flip in new[] { false, true })
        {
            ClipTransform.Apply(clip, [0], new ClipAugmentation(1, 0, flip, 1, 1, 1, 1.25), Small, dst);
            for (int y = 0; y < 12; y++)
                for (int x = 0; x < 12; x++)
                {
                    int sx = 1 + (int)((x + 0.5) * 15 / 12), sy = (int)((y + 0.5) * 15 / 12);
                    var (r, _, _) = FrameTestData.Pixel(0, sx, sy);
                    Assert.Equal(r / 127.5f - 1f, dst[y * 12 + (flip ? 11 - x : x)], 5);
                }
        }
        // A region that leaves the frame is refused, and training draws stay inside it.
        Assert.Throws<ArgumentException>(() => ClipTransform.Apply(clip, [0], new ClipAugmentation(2, 0, false, 1, 1, 1, 1.25), Small, dst));
        var o = Small with { Zoom = 0.4 };
        var zooms = new List<double>();
        for (int seed = 0; seed < 200; seed++)
        {
            var rng = ClipRandom.For(seed, 1, 2);
            var aug = ClipTransform.Draw(o, FrameMode.Train, ref rng);
            ClipTransform.Apply(clip, [0], aug, o, dst);
            zooms.Add(aug.Zoom);
        }
        Assert.InRange(zooms.Min(), 0.6, 0.7);              // magnified down to 1 - 0.4
        Assert.Equal(16.0 / 12, zooms.Max(), 6);            // shrunk only as far as the frame allows
        Assert.Equal(1, ClipTransform.Draw(o, FrameMode.Eval, ref Unused).Zoom);
    }

    [Fact]
    public void Stretch_reads_regions_wider_or_narrower_than_high_and_inside_the_frame()
    {
        var clip = Synthetic(1, 16, 16);
        var dst = new float[3 * 144];
        // Aspect 1.25 at zoom 1: a 15-wide, 12-high region at (1, 2); crop pixel x reads column
        // 1 + floor((x + 0.5) * 15 / 12) of row 2 + y.
        ClipTransform.Apply(clip, [0], new ClipAugmentation(1, 2, false, 1, 1, 1, 1, Aspect: 1.25), Small, dst);
        for (int y = 0; y < 12; y++)
            for (int x = 0; x < 12; x++)
            {
                var (r, _, _) = FrameTestData.Pixel(0, 1 + (int)((x + 0.5) * 15 / 12), 2 + y);
                Assert.Equal(r / 127.5f - 1f, dst[y * 12 + x], 5);
            }
        var o = Small with { Zoom = 0.2, Stretch = 0.3 };
        var widths = new List<double>();
        for (int seed = 0; seed < 300; seed++)
        {
            var rng = ClipRandom.For(seed, 1, 2);
            var aug = ClipTransform.Draw(o, FrameMode.Train, ref rng);
            ClipTransform.Apply(clip, [0], aug, o, dst);   // throws if the region left the frame
            Assert.InRange(aug.Aspect, 0.7, 1.3);
            widths.Add(aug.RegionWidth(12) / (double)aug.RegionHeight(12));
        }
        Assert.True(widths.Min() < 0.85 && widths.Max() > 1.15, $"width/height ratios {widths.Min()}-{widths.Max()}");
        Assert.Equal(1, ClipTransform.Draw(o, FrameMode.Eval, ref Unused).Aspect);
        // Off (the default) draws nothing more: the other choices for a seed are those of a run without it.
        var a = ClipRandom.For(5, 1, 2);
        var b = ClipRandom.For(5, 1, 2);
        Assert.Equal(ClipTransform.Draw(Small with { Zoom = 0.2 }, FrameMode.Train, ref a), ClipTransform.Draw(Small with { Zoom = 0.2, Stretch = 0 }, FrameMode.Train, ref b));
        Assert.Contains("stretch", Assert.Throws<GlossaException>(() => (new FrameOptions { Stretch = 1 }).Validate()).Message);
    }

    [Fact]
    public void Jitter_changes_pixels_and_stays_in_range()
    {
        var clip = Synthetic(1, 16, 16);
        var plain = new float[3 * 144];
        var jittered = new float[3 * 144];
        ClipTransform.Apply(clip, [0], new ClipAugmentation(0, 0, false, 1, 1, 1), Small, plain);
        ClipTransform.Apply(clip, [0], new ClipAugmentation(0, 0, false, 1.3, 0.8, 0.5), Small, jittered);
        Assert.NotEqual(plain, jittered);
        Assert.All(jittered, v => Assert.InRange(v, -1f, 1f));

        // Saturation 0 makes the three channels equal (grey).
        var grey = new float[3 * 144];
        ClipTransform.Apply(clip, [0], new ClipAugmentation(0, 0, false, 1, 1, 0), Small, grey);
        for (int i = 0; i < 144; i++)
        {
            Assert.Equal(grey[i], grey[144 + i], 4);
            Assert.Equal(grey[i], grey[288 + i], 4);
        }
    }

    [Theory]
    [InlineData(0.5, 0.5, 0.5)]
    [InlineData(0.485, 0.456, 0.406)]
    public void Colour_shuffle_moves_each_channel_to_its_plane_and_negates_the_chosen_ones(double mr, double mg, double mb)
    {
        var o = Small with { Mean = [mr, mg, mb], Std = [0.229, 0.5, 0.225] };
        var clip = Synthetic(2, 16, 16);
        var plain = new float[2 * 3 * 144];
        ClipTransform.Apply(clip, [0, 1], new ClipAugmentation(1, 2, false, 1, 1, 1), o, plain);
        for (int order = 0; order < ClipAugmentation.Orders.Length; order++)
            for (int signs = 0; signs < 8; signs++)
                foreach (double saturation in new[] { 1.0, 0.7 })
                {
                    var reference = new float[2 * 3 * 144];
                    ClipTransform.Apply(clip, [0, 1], new ClipAugmentation(1, 2, false, 1, 1, saturation), o, reference);
                    var shuffled = new float[2 * 3 * 144];
                    ClipTransform.Apply(clip, [0, 1], new ClipAugmentation(1, 2, false, 1, 1, saturation, 1, order, signs), o, shuffled);
                    for (int t = 0; t < 2; t++)
                        for (int c = 0; c < 3; c++)
                        {
                            int to = ClipAugmentation.Orders[order][c];
                            float sign = (signs >> c & 1) == 1 ? -1 : 1;
                            for (int i = 0; i < 144; i++)
                                Assert.Equal(sign * reference[t * 432 + c * 144 + i], shuffled[t * 432 + to * 144 + i], 5);
                        }
                }
        Assert.Equal(ClipAugmentation.Orders.Length, ClipAugmentation.Orders.Select(p => string.Join(",", p)).Distinct().Count());
        Assert.All(ClipAugmentation.Orders, p => Assert.Equal([0, 1, 2], p.Order()));
    }

    [Fact]
    public void Colour_shuffle_is_drawn_for_its_share_of_training_clips_only_and_leaves_other_draws_alone()
    {
        var o = Small with { ColourShuffle = 0.5 };
        int shuffled = 0;
        var seen = new HashSet<(int, int)>();
        for (int seed = 0; seed < 2000; seed++)
        {
            var rng = ClipRandom.For(seed, 1, 2);
            var aug = ClipTransform.Draw(o, FrameMode.Train, ref rng);
            if (aug.ColourOrder != 0 || aug.ColourSigns != 0) shuffled++;
            seen.Add((aug.ColourOrder, aug.ColourSigns));
            var evalRng = ClipRandom.For(seed, 1, 2);
            Assert.Equal(ClipAugmentation.Centre(o), ClipTransform.Draw(o, FrameMode.Eval, ref evalRng));
            // Off, the draw is the one made before the option existed: same crop as with it on.
            var offRng = ClipRandom.For(seed, 1, 2);
            var off = ClipTransform.Draw(Small, FrameMode.Train, ref offRng);
            Assert.Equal((0, 0), (off.ColourOrder, off.ColourSigns));
            Assert.Equal((aug.CropX, aug.CropY), (off.CropX, off.CropY));
        }
        Assert.InRange(shuffled, 900, 1100);
        Assert.Equal(48, seen.Count);
        Assert.Contains("colour shuffle", Assert.Throws<GlossaException>(() => (new FrameOptions { ColourShuffle = 1.5 }).Validate()).Message);
        Assert.Equal(0, Glossa.Frames.FramePolicy.For(64, 300, augment: false, colourShuffle: 0.5).ColourShuffle);
        Assert.Equal(0.5, Glossa.Frames.FramePolicy.For(64, 300, augment: true, colourShuffle: 0.5).ColourShuffle);
    }

    [Fact]
    public void Imagenet_normalisation_uses_mean_and_std()
    {
        var o = Small with { Mean = [0.485, 0.456, 0.406], Std = [0.229, 0.224, 0.225] };
        var clip = Synthetic(1, 16, 16);
        var dst = new float[3 * 144];
        ClipTransform.Apply(clip, [0], ClipAugmentation.Centre(o), o, dst);
        var (_, _, b) = FrameTestData.Pixel(0, 2, 2);
        Assert.Equal((b / 255.0 - 0.406) / 0.225, dst[288], 4);
    }

    [Fact]
    public void Temporal_rescale_stays_within_bounds_and_sorted()
    {
        var o = Small with { TemporalRescale = 0.2, RescaleMinFrames = 8, RescaleMaxFrames = 40 };
        var lengths = new HashSet<int>();
        for (int i = 0; i < 200; i++)
        {
            var rng = ClipRandom.For(3, 0, i);
            var idx = ClipTransform.FrameIndices(30, o, FrameMode.Train, ref rng);
            Assert.InRange(idx.Length, 24, 36);
            Assert.Equal(idx.Order(), idx);
            Assert.All(idx, v => Assert.InRange(v, 0, 29));
            lengths.Add(idx.Length);
        }
        Assert.True(lengths.Count > 5, "lengths should vary");

        var r2 = ClipRandom.For(3, 0, 0);
        Assert.Equal(8, ClipTransform.FrameIndices(3, o, FrameMode.Train, ref r2).Length);
        Assert.Equal(40, ClipTransform.FrameIndices(100, o with { TemporalRescale = 0.01 }, FrameMode.Train, ref r2).Length);
    }

    [Fact]
    public void The_rescale_never_goes_below_the_shortest_frames_a_clip_may_have()
    {
        var o = Small with { TemporalRescale = 0.9, RescaleMinFrames = 1, RescaleMaxFrames = 64 };
        var seen = new List<int>();
        for (int i = 0; i < 200; i++)
        {
            var rng = ClipRandom.For(5, 0, i);
            seen.Add(ClipTransform.FrameIndices(30, o, FrameMode.Train, ref rng, shortest: 20).Length);
            var r2 = ClipRandom.For(5, 0, i);
            Assert.True(ClipTransform.FrameIndices(30, o, FrameMode.Train, ref r2, shortest: 50).Length >= 30); // a floor above the clip keeps it whole
        }
        Assert.All(seen, n => Assert.InRange(n, 20, 57));
        Assert.Contains(20, seen);
        Assert.Contains(seen, n => n > 30);
    }

    [Fact]
    public void Max_frames_subsamples_uniformly_in_every_mode()
    {
        var o = Small with { MaxFrames = 10 };
        var rng = ClipRandom.For(1, 1, 1);
        var idx = ClipTransform.FrameIndices(100, o, FrameMode.Eval, ref rng);
        Assert.Equal([5, 15, 25, 35, 45, 55, 65, 75, 85, 95], idx);
        Assert.Equal(7, ClipTransform.FrameIndices(7, o, FrameMode.Eval, ref rng).Length);
        Assert.True(ClipTransform.FrameIndices(100, o with { TemporalRescale = 0.2 }, FrameMode.Train, ref rng).Length <= 10);
    }

    [Fact]
    public void Invalid_options_name_the_field()
    {
        Assert.Contains("crop", Assert.Throws<GlossaException>(() => FrameOptions.Square(64, 112).Validate()).Message);
        Assert.Contains("flip", Assert.Throws<GlossaException>(() => (new FrameOptions { FlipProbability = 2 }).Validate()).Message);
        Assert.Contains("zoom", Assert.Throws<GlossaException>(() => (new FrameOptions { Zoom = 1 }).Validate()).Message);
        Assert.Contains("std", Assert.Throws<GlossaException>(() => (new FrameOptions { Std = [0.5, 0, 0.5] }).Validate()).Message);
        Assert.Contains("batch size", Assert.Throws<GlossaException>(() => (new LoaderOptions { BatchSize = 0 }).Validate()).Message);
        new FrameOptions().Validate();
    }
}
