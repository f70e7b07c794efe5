using System.Text.Json;
using System.Text.Json.Nodes;
using Glossa.Common;
using Glossa.Corpora;
using Glossa.Models;

namespace Glossa.Training;

/// <summary>
/// What <c>--resume</c> may change. Options not given on the command line are the run's own
/// (read from the checkpoint), so a resumed run never drifts to a default silently. Given options
/// that shape the model, the batches or the comparison of epochs must equal the run's and are
/// refused in one line; the others (rate, epochs, patience, ...) may change and are echoed in the log.
/// </summary>
public static class ResumeCompatibility
{
    /// <summary>Options (snake_case, as in training.json) fixed for the life of a run.</summary>
    static readonly HashSet<string> Fixed = new(StringComparer.Ordinal)
    {
        "model", "hidden_dim", "dropout", "temporal_channels", "temporal_conv", "i3d_stride", "width_mult", "edge_pad", "input_norm", "feature_norm", "frame_size", "batch_size", "accumulation_steps", "val_split", "seed", "label_smoothing", "corpus_format", "ctc_reduction", "optimizer", "recipe",
    };

    /// <summary>Options that describe this process, not the run: never compared or echoed.</summary>
    static readonly HashSet<string> Ignored = new(StringComparer.Ordinal)
    {
        "resume", "overwrite", "output_dir", "pretrained",
    };

    /// <summary>
    /// The options to resume with: <paramref name="given"/>'s explicit options over the run's own
    /// from <paramref name="checkpoint"/>; lines for the log about what changed. Throws a
    /// <see cref="GlossaException"/> naming every given option that may not change.
    /// </summary>
    public static (TrainingOptions Options, IReadOnlyList<string> Notes) Resolve(TrainingOptions given, string checkpoint)
    {
        var saved = Checkpoint.ReadOptions(checkpoint);
        var now = Json(given);
        var was = Json(saved);
        var merged = new JsonObject();
        var notes = new List<string>();
        var refused = new List<string>(); // every fixed option given with another value, named in one line
        JsonObject? model = null; // the checkpoint's model config as built, read when an unset model option is given
        JsonNode? ModelValue(string name)
        {
            model ??= ModelCheckpoint.ReadConfig(checkpoint).ToResolvedJson(); // temporal_channels resolved to the hidden size
            return name switch
            {
                "i3d_stride" => model["i3d_temporal_stride"],
                "temporal_conv" => JsonValue.Create(TrainingOptions.CanonicalTemporalConv(model["temporal_conv"]?.GetValue<string>() ?? "")),
                _ => model[name],
            };
        }
        foreach (var (name, value) in now)
        {
            bool explicitly = given.CommandLine is not { } cl || cl.Contains(OptionName(name));
            var old = was[name];
            if (name == "objectives" && value is JsonObject nowTerms && old is JsonObject wasTerms)
            {
                // One training.json field, one option per term: each term given is taken, each not given stays the run's.
                merged[name] = MergeTerms(nowTerms, wasTerms, given.CommandLine, notes, refused, ModelValue);
                continue;
            }
            if (name == "corpus" && was.ContainsKey(name))
            {
                // The run's own corpus unless --corpus is given (CheckCorpus then checks the new one's glosses).
                merged[name] = (explicitly ? value : old)?.DeepClone();
                continue;
            }
            if (Ignored.Contains(name) || !was.ContainsKey(name) || JsonNode.DeepEquals(value, old))
            {
                merged[name] = value?.DeepClone();
                continue;
            }
            if (!explicitly)
            {
                merged[name] = old?.DeepClone(); // not given: the run's own value, not the default
                continue;
            }
            if (name == "i3d_stride" && value is not null && ModelValue("backbone")?.GetValue<string>() != ModelConfig.I3d)
            {
                // As a new run refuses it: the stride of a model without an I3D backbone comes from its temporal conv.
                refused.Add($"{OptionName(name)} {Show(value)}: the run's model '{ModelValue("name")?.GetValue<string>()}' has no I3D backbone (its temporal stride comes from --temporal-conv)");
                continue;
            }
            if (Fixed.Contains(name) && old is null && JsonNode.DeepEquals(value, ModelValue(name)))
            {
                merged[name] = null; // unset in the run, and given as the value its model resolved it to: the same run
                continue;
            }
            if (Fixed.Contains(name))
            {
                string runs = name == "recipe" && old is null ? "none (it was started without --recipe; a recipe's settings cannot be applied to a run under way)"
                    : old is null && ModelValue(name) is { } built ? $"{Show(built)} (unset, so its model's own)" : Show(old);
                refused.Add($"{OptionName(name)} {Show(value)} differs from the run's {runs}");
                continue;
            }
            merged[name] = value?.DeepClone();
            notes.Add(Changed(name, value, old));
        }
        if (refused.Count > 0)
            throw new GlossaException($"{string.Join("; ", refused)} ({Path.Combine(checkpoint, Checkpoint.OptionsFile)}); " +
                (refused.Count == 1 ? "it cannot change on --resume: drop it" : "they cannot change on --resume: drop them") + ", or start a new run in another --output-dir");
        var options = merged.Deserialize<TrainingOptions>(Checkpoint.Json)! with { CommandLine = given.CommandLine };
        return (options, notes);
    }

    /// <summary>
    /// The auxiliary objectives to resume with (<see cref="Objectives.AuxiliaryOptions"/>): a weight or temperature given on the
    /// command line is taken and noted, the rest stay the run's; a change the run's model cannot train (a term on a model
    /// without a temporal-conv classifier, or SMKD's shared classifier switched) is refused.
    /// </summary>
    static JsonObject MergeTerms(JsonObject now, JsonObject was, IReadOnlyList<string>? commandLine, List<string> notes, List<string> refused, Func<string, JsonNode?> modelValue)
    {
        var merged = new JsonObject();
        bool changed = false;
        foreach (var (term, value) in now)
        {
            var old = was[term];
            bool explicitly = commandLine is not { } cl || cl.Contains(OptionName(term));
            if (!explicitly || JsonNode.DeepEquals(value, old))
            {
                merged[term] = (explicitly ? value : old)?.DeepClone();
                continue;
            }
            merged[term] = value?.DeepClone();
            notes.Add(Changed(term, value, old));
            changed = true;
        }
        if (!changed) return merged;
        var terms = merged.Deserialize<Objectives.AuxiliaryOptions>(Checkpoint.Json)!;
        string head = modelValue("conv_head")?.GetValue<string>() ?? ModelConfig.ConvHeadNone;
        if (terms.SharedClassifier != (head == ModelConfig.ConvHeadShared))
            refused.Add($"--shared-classifier {(terms.SharedClassifier ? "true" : "false")} differs from the run's model (conv_head {head})");
        else if (terms.Any && head == ModelConfig.ConvHeadNone)
            refused.Add("--conv-ctc-weight / --align-weight above 0 need a classifier on the temporal-conv features, which the run's model does not have (conv_head none)");
        return merged;
    }

    /// <summary>
    /// Refuses a training split with glosses the run's vocabulary lacks: they would silently vanish
    /// from the targets. Returns a log line when the corpus path differs but its glosses fit.
    /// </summary>
    public static string? CheckCorpus(IReadOnlyList<Sample> train, Vocabulary vocabulary, string corpus, string checkpoint)
    {
        var unknown = train.SelectMany(s => s.Glosses).Where(g => !vocabulary.Contains(g)).Distinct(StringComparer.Ordinal).ToList();
        string was = Checkpoint.ReadOptions(checkpoint).Corpus;
        if (unknown.Count > 0)
            throw new GlossaException($"--corpus {corpus}: {unknown.Count} training glosses are not in the run's vocabulary ({string.Join(", ", unknown.Take(5))}{(unknown.Count > 5 ? ", ..." : "")}); --resume needs the run's own corpus ({was}); start a new run for this one");
        return SamePath(was, corpus) ? null : $"  resume: --corpus {corpus} (was {was}; its training glosses all belong to the run's vocabulary)";
    }

    static bool SamePath(string a, string b) =>
        a.Length > 0 && b.Length > 0 && string.Equals(Path.GetFullPath(a).TrimEnd('/'), Path.GetFullPath(b).TrimEnd('/'), StringComparison.Ordinal);

    static JsonObject Json(TrainingOptions o) => JsonSerializer.SerializeToNode(o, Checkpoint.Json)!.AsObject();

    /// <summary>The command-line spelling of a training.json field (<see cref="TrainingOptions.RenamedOptions"/>, <see cref="TrainingOptions.NegatedOptions"/>).</summary>
    static string OptionName(string field) =>
        "--" + (TrainingOptions.RenamedOptions.TryGetValue(field, out var renamed) ? renamed
            : TrainingOptions.NegatedOptions.TryGetValue(field, out var negated) ? negated
            : field.Replace('_', '-'));

    static string Show(JsonNode? v) => v is null ? "unset (the default)" : v.ToJsonString().Trim('"');

    /// <summary>
    /// The log line of an option that changes on resume, in the option's own terms: a switch set by a flag that says the
    /// opposite of its field (<c>--align-exclude-blank</c> for <c>align_blank</c>) shows the flag's value, so turning it on
    /// reads "true (was false)" (it read "false (was true)", the field's).
    /// </summary>
    internal static string Changed(string field, JsonNode? value, JsonNode? old)
    {
        static JsonNode? Not(JsonNode? v) => v is JsonValue b && b.TryGetValue<bool>(out bool x) ? JsonValue.Create(!x) : v;
        bool negated = TrainingOptions.NegatedOptions.ContainsKey(field);
        return $"  resume: {OptionName(field)} {Show(negated ? Not(value) : value)} (was {Show(negated ? Not(old) : old)})";
    }
}
