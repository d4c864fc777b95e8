using System.Text.RegularExpressions;
using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Npgsql;
using PmoLedger.Features.Practitioners;
using PmoLedger.Infrastructure;
using Serilog.Core;
using Serilog.Events;
using Wolverine;
using Wolverine.Runtime;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace PmoLedger.Tests;

/// <summary>A clock the tests can move; the service reads all business time from it.</summary>
public sealed class TestClock : TimeProvider
{
    public TimeSpan Offset { get; set; }
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
    public DateOnly Today => DateOnly.FromDateTime(GetUtcNow().UtcDateTime);
}

/// <summary>
/// One service for the whole run, on the real routes, against the real PostgreSQL that
/// test.sh starts (PMOLEDGER_TEST_CONNECTION, or the local default).
/// </summary>
public sealed class AppFixture : IAsyncLifetime
{
    public const string DefaultConnection = "Host=127.0.0.1;Port=5433;Database=pmoledger_test;Username=pmoledger;Password=pmoledger";

    public const string TestRuleVersionName = "test-2090";

    private static readonly (string, string)[] TestRuleVersion =
    [
        ("Version", TestRuleVersionName), ("EffectiveFrom", "2090-01-01"), ("PeriodsPerCycle", "3"), ("PeriodMonths", "12"),
        ("PeriodMinimum", "30"), ("CategoryMinimums__professional-experience", "10"), ("CategoryCaps__professional-education", "15"),
        ("CategoryCaps__community", "15"), ("ActivityMinPoints", "0.5"), ("ActivityMaxPoints", "15"), ("ActivityPointStep", "0.5")
    ];

    public IAlbaHost Host { get; private set; } = null!;
    public TestClock Clock { get; } = new();
    public LogCapture Logs { get; } = new();

    /// <summary>Where the service's mail goes (the pickup folder, no SMTP server): this run's own.</summary>
    public string MailDirectory { get; } = Path.Combine(Path.GetTempPath(), $"pmoledger-test-mail-{Guid.NewGuid():N}");

    /// <summary>Every log event of the run, and every name and email registered in it (docs/privacy.md "Logs").</summary>
    public CapturedLog Log { get; } = new();

    public async Task InitializeAsync()
    {
        // Read by WebApplication.CreateBuilder before anything else, so set them first.
        Environment.SetEnvironmentVariable("ConnectionStrings__Ledger",
            Environment.GetEnvironmentVariable("PMOLEDGER_TEST_CONNECTION") ?? DefaultConnection);
        Environment.SetEnvironmentVariable("Demo__SeedOnStart", "false");
        Environment.SetEnvironmentVariable("Wolverine__ScheduledJobPollingTime", "00:00:00.500");
        Environment.SetEnvironmentVariable("Wolverine__DurabilityMode", "Solo");
        Environment.SetEnvironmentVariable("ASPNETCORE_ENVIRONMENT", "Development");
        // A later CPD rule version, as an operator would publish one, far enough ahead to touch no other test.
        foreach (var (name, value) in TestRuleVersion)
            Environment.SetEnvironmentVariable($"Cpd__RuleVersions__0__{name}", value);
        Environment.SetEnvironmentVariable("Mail__PickupDirectory", MailDirectory);
        TestDatabases.NoRateLimits();

        // Each run starts from an empty ledger: the service refuses to start on data left in plain text by a
        // run of an earlier version (docs/privacy.md), and tests reset the ledger before each test anyway.
        await using (var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable("ConnectionStrings__Ledger")))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"drop schema if exists {LedgerStore.Schema} cascade", connection);
            await drop.ExecuteNonQueryAsync();
        }

        Host = await AlbaHost.For<Program>(builder => builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
            services.AddSingleton<ILogEventSink>(Logs);
            services.AddSingleton<ILogEventSink>(Log);
            services.ConfigureMarten(opts => opts.Listeners.Add(Log));
            services.RunWolverineInSoloMode();
            services.DisableAllExternalWolverineTransports();
        }));
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        // The whole run's log, checked once every test has run: a leak fails the suite (test.sh counts it).
        var leaks = Log.Leaks();
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "suite-log.txt"), Log.Text());
        if (leaks.Count > 0)
            throw new InvalidOperationException($"The log of this run contains personal data of test practitioners: {string.Join(", ", leaks.Take(5))}");
    }

    public string Token(string role, Guid? practitionerId = null, string? name = null) =>
        Host.Services.GetRequiredService<AuthSettings>().Mint(role, practitionerId, name, DateTimeOffset.UtcNow);
}

/// <summary>Every log event the service writes, so a test can check what an operator would read.</summary>
public sealed class LogCapture : ILogEventSink
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<LogEvent> _events = new();

    public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);

    public void Clear() => _events.Clear();

    public IReadOnlyList<LogEvent> AtLeast(LogEventLevel level) => _events.Where(e => e.Level >= level).ToList();

    /// <summary>
    /// Waits until an event matches. The request log line is written when the pipeline unwinds, which can be after the
    /// test server has handed the response to the test.
    /// </summary>
    public Task WaitFor(Func<LogEvent, bool> match) => LogWait.Until(() => _events.Any(match));
}

internal static class LogWait
{
    public static async Task Until(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
            await Task.Delay(20, timeout.Token);
    }
}

[CollectionDefinition(nameof(LedgerCollection))]
public sealed class LedgerCollection : ICollectionFixture<AppFixture>;

/// <summary>
/// Collects the service's log events (as a Serilog sink) and the names and emails of every practitioner
/// registered (as a Marten session listener), so a test can check that no log event carries personal data.
/// </summary>
public sealed class CapturedLog : DocumentSessionListenerBase, ILogEventSink
{
    private readonly List<string> _lines = [];
    private readonly HashSet<string> _personal = [];

    public void Emit(LogEvent logEvent)
    {
        // The rendered message, every property (rendered or not) and the exception: all a sink could write.
        var line = string.Join(" | ", new[] { logEvent.RenderMessage(), logEvent.Exception?.ToString() ?? "" }
            .Concat(logEvent.Properties.Select(p => $"{p.Key}={p.Value}")));
        lock (_lines) _lines.Add(line);
    }

    public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        foreach (var data in session.PendingChanges.Streams().SelectMany(s => s.Events).Select(e => e.Data))
        {
            string?[] values = data switch
            {
                PractitionerRegistered r => [r.FullName, r.Email],
                PractitionerDetailsCorrected c => [c.FullName, c.Email],
                _ => []
            };
            lock (_personal)
                foreach (var value in values.OfType<string>()) _personal.Add(value);
        }
        return Task.CompletedTask;
    }

    public string Text()
    {
        lock (_lines) return string.Join(Environment.NewLine, _lines);
    }

    /// <summary>Waits until the log holds <paramref name="text"/> (see <see cref="LogCapture.WaitFor"/>).</summary>
    public Task WaitFor(string text) => LogWait.Until(() => Text().Contains(text));

    public int PersonalValues
    {
        get { lock (_personal) return _personal.Count; }
    }

    /// <summary>
    /// The registered names and emails that appear anywhere in the log, as whole words (names as written, emails in
    /// any case). One- and two-letter test names ("X", "Bo") are left out: they occur in ordinary words and ids.
    /// </summary>
    public IReadOnlyList<string> Leaks()
    {
        var text = Text();
        lock (_personal)
            return _personal.Where(p => p.Length >= 3 && Regex.IsMatch(text, $@"(?<!\w){Regex.Escape(p)}(?!\w)",
                p.Contains('@') ? RegexOptions.IgnoreCase : RegexOptions.None)).ToList();
    }
}
