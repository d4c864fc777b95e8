using Spectre.Console;
using Spectre.Console.Rendering;

namespace PmoLedger.Infrastructure;

/// <summary>
/// Progress of a long command (count, rate, time left) on a terminal, drawn on stderr; nothing at all when
/// either output is redirected, so a log or a pipe gets only the command's result lines.
/// </summary>
public static class ConsoleProgress
{
    public static bool Shown => !Console.IsOutputRedirected && !Console.IsErrorRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Runs <paramref name="work"/>, which reports how many it has done out of how many.</summary>
    public static async Task<T> RunAsync<T>(string label, Func<Action<long, long>, Task<T>> work)
    {
        if (!Shown) return await work((_, _) => { });
        var result = default(T)!;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new CountColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(label, maxValue: 1);
                result = await work((done, total) =>
                {
                    task.MaxValue = Math.Max(total, 1);
                    task.Value = Math.Min(done, task.MaxValue);
                });
                task.Value = task.MaxValue;
            });
        return result;
    }

    /// <summary>"1,500/20,000 (3,210/s)": how far, and how fast.</summary>
    private sealed class CountColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text($"{task.Value:N0}/{task.MaxValue:N0}" + (task.Speed is { } speed ? $" ({speed:N0}/s)" : ""));
    }
}
