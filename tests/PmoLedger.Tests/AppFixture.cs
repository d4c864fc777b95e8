using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Serilog.Core;
using Serilog.Events;
using PmoLedger.Infrastructure;
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

    public IAlbaHost Host { get; private set; } = null!;
    public TestClock Clock { get; } = new();
    public LogCapture Logs { get; } = new();

    public async Task InitializeAsync()
    {
        // Read by WebApplication.CreateBuilder before anything else, so set them first.
        Environment.SetEnvironmentVariable("ConnectionStrings__Ledger",
            Environment.GetEnvironmentVariable("PMOLEDGER_TEST_CONNECTION") ?? DefaultConnection);
        Environment.SetEnvironmentVariable("Demo__SeedOnStart", "false");
        Environment.SetEnvironmentVariable("Wolverine__ScheduledJobPollingTime", "00:00:00.500");
        Environment.SetEnvironmentVariable("Marten__DaemonMode", "Solo");
        Environment.SetEnvironmentVariable("ASPNETCORE_ENVIRONMENT", "Development");

        Host = await AlbaHost.For<Program>(builder => builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
            services.AddSingleton<ILogEventSink>(Logs);
            services.RunWolverineInSoloMode();
            services.DisableAllExternalWolverineTransports();
        }));
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();

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
}

[CollectionDefinition(nameof(LedgerCollection))]
public sealed class LedgerCollection : ICollectionFixture<AppFixture>;
