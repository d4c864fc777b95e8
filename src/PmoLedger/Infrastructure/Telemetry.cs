using System.Diagnostics.Metrics;
using Marten.Services;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace PmoLedger.Infrastructure;

/// <summary>
/// OpenTelemetry traces and metrics (docs/operations.md, "Telemetry"): the HTTP handling, Wolverine's handlers,
/// Marten's and Npgsql's SQL as one trace per request; the ledger's own counters, the async projection lag and
/// Wolverine's inbox/outbox depth as metrics. Exported over OTLP when an endpoint is configured; off (nothing
/// registered) otherwise.
/// </summary>
public static class Telemetry
{
    public const string Name = "PmoLedger";

    public sealed record Settings(Uri? Endpoint, OtlpExportProtocol Protocol, bool Enabled)
    {
        public static Settings From(IConfiguration configuration)
        {
            var endpoint = configuration["OpenTelemetry:Endpoint"] ?? configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
            var protocol = configuration.GetValue("OpenTelemetry:Protocol", "grpc") is "http/protobuf" or "http"
                ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
            Uri? uri = null;
            if (!string.IsNullOrWhiteSpace(endpoint) && !Uri.TryCreate(endpoint, UriKind.Absolute, out uri))
                throw new InvalidOperationException($"OpenTelemetry:Endpoint must be an absolute URL such as http://collector:4317, not '{endpoint}'.");
            return new Settings(uri, protocol, uri is not null || configuration.GetValue("OpenTelemetry:Enabled", false));
        }
    }

    /// <param name="completionEvent">The event that records a training completion, counted as <c>pmoledger.completions.recorded</c>.</param>
    public static IServiceCollection AddLedgerTelemetry(this IServiceCollection services, IConfiguration configuration, Type completionEvent)
    {
        var settings = Settings.From(configuration);
        if (!settings.Enabled) return services;

        services.AddSingleton(sp => new LedgerMeters(sp.GetRequiredService<IMeterFactory>(), completionEvent));
        services.ConfigureMarten((sp, opts) => opts.Listeners.Add(sp.GetRequiredService<LedgerMeters>()));
        services.AddHostedService<ProjectionLagSampler>();

        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(Name))
            .WithTracing(t => t
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments("/health"))
                .AddSource("Wolverine", "Marten")
                .AddNpgsql())
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddMeter(Name, "Wolverine*", "Marten*", "Npgsql"));
        if (settings.Endpoint is { } endpoint) otel.UseOtlpExporter(settings.Protocol, endpoint);
        return services;
    }
}

/// <summary>The ledger's own instruments: events appended and completions recorded (counted at commit), projection lag.</summary>
public sealed class LedgerMeters : DocumentSessionListenerBase
{
    private readonly Counter<long> _events;
    private readonly Counter<long> _completions;
    private readonly Type _completionEvent;
    private IReadOnlyDictionary<string, long> _lag = new Dictionary<string, long>();

    public LedgerMeters(IMeterFactory meters, Type completionEvent)
    {
        var meter = meters.Create(Telemetry.Name);
        _completionEvent = completionEvent;
        _events = meter.CreateCounter<long>("pmoledger.events.appended", "{event}", "Events committed to the ledger, by event type.");
        _completions = meter.CreateCounter<long>("pmoledger.completions.recorded", "{completion}", "Training completions recorded (each one once, resends excluded).");
        meter.CreateObservableGauge("pmoledger.projection.lag", () => _lag.Select(l => new Measurement<long>(l.Value, new KeyValuePair<string, object?>("shard", l.Key))),
            "{event}", "Events each async projection or subscription has still to process.");
    }

    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        foreach (var e in commit.GetEvents())
        {
            _events.Add(1, new KeyValuePair<string, object?>("event.type", e.EventTypeName));
            if (e.EventType == _completionEvent) _completions.Add(1);
        }
        return Task.CompletedTask;
    }

    public void Lag(IReadOnlyDictionary<string, long> lag) => _lag = lag;
}

/// <summary>Reads the projection lag every few seconds for the gauge, so exporting never waits on the database.</summary>
public sealed class ProjectionLagSampler(IDocumentStore store, LedgerMeters meters, ILogger<ProjectionLagSampler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        do
        {
            try
            {
                meters.Lag(await ProjectionLagHealthCheck.Lag(store, ct));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogDebug("Projection lag not sampled: {Failure}", e.GetBaseException().Message);
            }
        } while (await timer.WaitForNextTickAsync(ct));
    }
}
