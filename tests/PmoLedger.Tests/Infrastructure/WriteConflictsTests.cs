using JasperFx;
using Microsoft.Extensions.Logging;
using PmoLedger.Infrastructure;

namespace PmoLedger.Tests.Infrastructure;

public class WriteConflictsTests
{
    private sealed class Recorder : ILogger
    {
        public List<LogLevel> Levels { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Levels.Add(logLevel);
    }

    private static Task NoPause(int attempt, CancellationToken ct) => Task.CompletedTask;

    private static readonly ConcurrencyException Lost = new("stale version", null!);

    [Fact]
    public async Task a_lost_race_is_retried_with_one_debug_line_per_retry()
    {
        var log = new Recorder();
        var calls = 0;
        var result = await WriteConflicts.Retry(() => ++calls < 3 ? throw Lost : Task.FromResult("committed"), () => "busy", log, CancellationToken.None, NoPause);

        result.ShouldBe("committed");
        calls.ShouldBe(3);
        log.Levels.ShouldBe([LogLevel.Debug, LogLevel.Debug]);
    }

    [Fact]
    public async Task only_exhausted_retries_warn()
    {
        var log = new Recorder();
        var result = await WriteConflicts.Retry<string>(() => throw Lost, () => "busy", log, CancellationToken.None, NoPause);

        result.ShouldBe("busy");
        log.Levels.Count(l => l == LogLevel.Warning).ShouldBe(1);
        log.Levels.Count(l => l == LogLevel.Debug).ShouldBe(WriteConflicts.Attempts - 1);
    }

    [Fact]
    public async Task any_other_failure_is_not_retried()
    {
        var calls = 0;
        await Should.ThrowAsync<InvalidOperationException>(() =>
            WriteConflicts.Retry<string>(() => { calls++; throw new InvalidOperationException(); }, () => "busy", new Recorder(), CancellationToken.None, NoPause));
        calls.ShouldBe(1);
    }
}
