using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Glossa.Models;
using Glossa.Training;
using Glossa.Training.Distillation;

namespace Glossa.Cli.Commands;

/// <summary>
/// <c>glossa distill --teacher RUN/best --model mobilenetv3-student --corpus PATH --output-dir DIR</c>:
/// trains the student exactly as <c>glossa train</c> does (every train option, the same run
/// folder, logs, resume, early stopping, Ctrl+C and exit codes) with the frozen teacher's
/// distillation term added to the CTC loss.
/// </summary>
internal static class DistillCommand
{
    public static Command Create()
    {
        var d = new DistillationOptions();
        var train = new TrainCommand.Options("mobilenetv3-student");
        var teacher = new Option<string>("--teacher") { Description = "Teacher checkpoint directory, e.g. TEACHER_RUN/best (same vocabulary as the student's corpus); on --resume, the run's own." };
        var temperature = new Option<double>("--kd-temperature", "--kd_temperature") { Description = "Softmax temperature T of teacher and student.", DefaultValueFactory = _ => d.Temperature };
        var weight = new Option<double>("--kd-weight", "--kd_weight") { Description = "Weight of weight x T^2 x KL(teacher_T || student_T) next to the CTC loss.", DefaultValueFactory = _ => d.Weight };
        var nonBlank = new Option<bool>("--kd-non-blank", "--kd_non_blank") { Description = "Distil over the non-blank classes only (both distributions renormalised over the glosses)." };
        var cacheTeacher = new Option<bool>("--cache-teacher", "--cache_teacher") { Description = "Compute each clip's teacher posteriors once and keep them on disk (needs --no-augment)." };
        var cacheDir = new Option<string?>("--teacher-cache-dir", "--teacher_cache_dir") { Description = $"Folder of the teacher cache (default: OUTPUT_DIR/{Distiller.CacheFolder}); share it between students of one teacher." };
        var command = new Command("distill", "Train a student with CTC plus knowledge distillation from a frozen teacher checkpoint's frame posteriors; same run folder, logs and checkpoints as train.");
        foreach (var option in train.All()) command.Options.Add(option);
        foreach (var option in new Option[] { teacher, temperature, weight, nonBlank, cacheTeacher, cacheDir }) command.Options.Add(option);
        command.SetAction(parse => CliRunner.Guard(() =>
        {
            var options = train.Bind(parse);
            var given = parse.CommandResult.Children.OfType<System.CommandLine.Parsing.OptionResult>().Where(o => !o.Implicit).Select(o => o.Option.Name).ToHashSet();
            // On --resume, the run's own teacher and --kd-* options for those not given (a new user's resume trained
            // on with the defaults), checked before the corpus is read.
            var (kd, notes) = Distiller.ForRun(new DistillationOptions
            {
                Teacher = parse.GetValue(teacher) ?? "",
                Temperature = parse.GetValue(temperature),
                Weight = parse.GetValue(weight),
                NonBlankOnly = parse.GetValue(nonBlank),
                CacheTeacher = parse.GetValue(cacheTeacher),
                CacheDir = parse.GetValue(cacheDir),
            }, given, options);
            if (parse.GetValue(train.DryRun))
            {
                // As train --dry-run checks them (the options, the corpus and its splits, the run folder), and the teacher's
                // checkpoint: its model and vocabulary are read (a new user's dry run of a missing teacher and corpus said 0),
                // and its classes must be the student's, as the run requires.
                var resolved = TrainingJob.Resolve(options, out var vocabulary);
                var teacherModel = ModelCheckpoint.ReadConfig(kd.Teacher);
                var teacherVocabulary = ModelCheckpoint.ReadVocabulary(kd.Teacher);
                Teacher.RequireSameClasses(teacherVocabulary, Path.GetFullPath(kd.Teacher), vocabulary,
                    resolved.Resume ? $"{resolved.OutputDir}/last" : $"train split of {resolved.Corpus}");
                int teacherClasses = teacherVocabulary.Count;
                var json = new JsonObject
                {
                    ["training"] = JsonSerializer.SerializeToNode(resolved, Checkpoint.Json),
                    ["model_config"] = TrainingJob.ResolveModel(resolved),
                    ["distillation"] = JsonSerializer.SerializeToNode(kd, Checkpoint.Json),
                    ["distillation_changes"] = new JsonArray([.. notes.Select(n => JsonValue.Create(n.Trim()))]),
                    ["teacher"] = new JsonObject { ["model"] = teacherModel.Name, ["classes"] = teacherClasses, ["frame_size"] = teacherModel.FrameSize },
                };
                Console.WriteLine(json.ToJsonString(Checkpoint.Json));
                return 0;
            }
            DistillationTerm? term = null;
            try
            {
                return TrainingConsole.Train(options, parse.GetValue(train.Json), o =>
                {
                    var job = TrainingJob.Prepare(o);
                    try { term = Distiller.Attach(job, kd, notes); }
                    catch { job.Dispose(); throw; }
                    return job;
                });
            }
            finally
            {
                term?.Dispose();
            }
        }));
        return command;
    }
}
