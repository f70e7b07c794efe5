using System.Runtime.InteropServices;
using Glossa.Doctor;
using Glossa.Common;
using Glossa.Training;
using Spectre.Console;

namespace Glossa.Cli.Commands;

/// <summary>
/// Console side of a training run: Ctrl+C / SIGTERM become a cooperative stop (the step ends,
/// 'last', the log and the summary are written; a second Ctrl+C kills at once), progress bars on
/// a terminal, plain lines when output is redirected or with --json, and the exit code.
/// </summary>
internal static class TrainingConsole
{
    /// <summary>Exit code of a run stopped by Ctrl+C or SIGTERM (128 + SIGINT, the shell convention).</summary>
    public const int Interrupted = 130;
    /// <summary>Exit code of a run stopped by a non-finite loss.</summary>
    public const int Failed = 1;
    /// <summary>Exit code of a run stopped by the doctor (--auto-stop).</summary>
    public const int AutoStopped = 3;

    /// <summary>Trains with the given options; returns the process exit code. <paramref name="prepare"/> replaces <see cref="TrainingJob.Prepare"/> (distillation attaches its teacher there).</summary>
    public static int Train(TrainingOptions options, bool json, Func<TrainingOptions, TrainingJob>? prepare = null)
    {
        var (outcome, _) = Run(options, json, quiet: json, prepare);
        if (json) CliRunner.PrintJson(outcome);
        return ExitCode(outcome);
    }

    public static int ExitCode(TrainingOutcome o) => o.Status switch
    {
        TrainingStatus.Failed when o.Cause == RunWriteFailure.Cause => ExitCodes.CannotWrite,
        TrainingStatus.Completed or TrainingStatus.EarlyStopped => 0,
        TrainingStatus.Interrupted => Interrupted,
        TrainingStatus.AutoStopped => AutoStopped,
        _ => Failed,
    };

    /// <summary>Prepares and runs the training with signal handling and progress display.</summary>
    /// <param name="quietLog">Where the log lines go when <paramref name="quiet"/> keeps them off stdout (e.g. stderr for `demo --json`); null drops them.</param>
    public static (TrainingOutcome Outcome, TrainingJob Job) Run(TrainingOptions options, bool json, bool quiet,
        Func<TrainingOptions, TrainingJob>? prepare = null, Action<string>? quietLog = null)
    {
        using var stop = new CancellationTokenSource();
        using var signals = StopOn(stop);
        var job = (prepare ?? TrainingJob.Prepare)(options);
        job.Monitor ??= LiveDoctor.For(job); // the run is composed here: the training doctor watches it live
        try
        {
            return (RunWith(job, json, quiet, quietLog, stop.Token), job);
        }
        catch (Exception e) when (SafeWrite.IsOutputFailure(e))
        {
            var failed = RunWriteFailure.Record(options.OutputDir, e);
            Console.Error.WriteLine($"glossa: error: {failed.Message}");
            return (failed, job);
        }
    }

    static TrainingOutcome RunWith(TrainingJob job, bool json, bool quiet, Action<string>? quietLog, CancellationToken cancel)
    {
        bool bars = !json && !quiet && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        TrainingOutcome outcome;
        if (bars)
        {
            outcome = null!;
            AnsiConsole.Progress()
                .AutoClear(false)
                .HideCompleted(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(ctx =>
                {
                    ProgressTask? task = null;
                    var run = job.CreateRun(
                        output: line => AnsiConsole.WriteLine(line),
                        progress: p =>
                        {
                            if (task is null) return;
                            task.Value = p.Batch;
                            task.Description = $"epoch {p.Epoch}  loss {p.Loss:0.000}  {p.ClipsPerSecond:0.0} clips/s";
                        },
                        epochStarting: (epoch, batches) =>
                        {
                            if (task is not null) task.StopTask();
                            task = ctx.AddTask($"epoch {epoch}", maxValue: batches);
                        });
                    outcome = run.Run(cancel);
                    task?.StopTask();
                });
        }
        else
        {
            var run = job.CreateRun(output: quiet ? quietLog : Console.WriteLine, progress: quiet ? null : PlainProgress());
            outcome = run.Run(cancel);
        }
        return outcome;
    }

    /// <summary>A line every ~15 s during an epoch when there is no terminal (logs, CI).</summary>
    static Action<StepProgress> PlainProgress()
    {
        var last = DateTime.UtcNow;
        return p =>
        {
            if ((DateTime.UtcNow - last).TotalSeconds < 15) return;
            last = DateTime.UtcNow;
            Console.WriteLine($"  epoch {p.Epoch}: batch {p.Batch}, loss {p.Loss:0.000}, {p.ClipsPerSecond:0.0} clips/s");
        };
    }

    /// <summary>Turns the first Ctrl+C or SIGTERM into a stop request; the second Ctrl+C terminates.</summary>
    static IDisposable StopOn(CancellationTokenSource stop)
    {
        void Request(string what)
        {
            if (!stop.IsCancellationRequested)
                Console.Error.WriteLine($"glossa: {what}: finishing the current step, then writing 'last', the log and the summary (press Ctrl+C again to abort at once)");
            stop.Cancel();
        }
        ConsoleCancelEventHandler handler = (_, e) =>
        {
            if (stop.IsCancellationRequested) return; // second Ctrl+C: let the runtime end the process
            e.Cancel = true;
            Request("interrupted");
        };
        Console.CancelKeyPress += handler;
        var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; Request("SIGTERM"); });
        return new Unregister(() => { Console.CancelKeyPress -= handler; term.Dispose(); });
    }

    sealed class Unregister(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
