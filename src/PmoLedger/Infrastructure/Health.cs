using System.Text.Json;
using JasperFx.Events.Projections;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PmoLedger.Infrastructure;

/// <summary>
/// Three probes (docs/operations.md, "Health"): <c>/health/live</c> answers while the process does (restart it
/// when it stops answering), <c>/health/ready</c> while this node can serve (take it out of the load balancer
/// otherwise), <c>/health</c> the database alone, as before.
/// </summary>
public static class LedgerHealth
{
    private const string Ready = "ready";

    public static IServiceCollection AddLedgerHealth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(new ProjectionLagHealthCheck.Limit(configuration.GetValue("Health:MaxProjectionLag", 10_000L)));
        services.AddHealthChecks()
            .AddCheck<PostgresHealthCheck>("postgresql", tags: [Ready])
            .AddCheck<SchemaHealthCheck>("schema", tags: [Ready])
            .AddCheck<ProjectionLagHealthCheck>("projections", tags: [Ready]);
        return services;
    }

    public static void MapLedgerHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions { Predicate = c => c.Name == "postgresql", ResponseWriter = WriteStatus }).AllowAnonymous();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteStatus }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteChecks }).AllowAnonymous();
    }

    private static Task WriteStatus(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new { status = report.Status.ToString() }));
    }

    // Descriptions only: exception messages can name hosts and accounts, and the probes are anonymous.
    private static Task WriteChecks(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), detail = e.Value.Description })
        }));
    }
}

/// <summary>Healthy when PostgreSQL answers a query within the check's time.</summary>
public sealed class PostgresHealthCheck(IDocumentStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await using var session = store.QuerySession();
            await session.QueryAsync<int>("select 1", timeout.Token);
            return HealthCheckResult.Healthy("PostgreSQL answers.");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL did not answer.", ex);
        }
    }
}

/// <summary>
/// Healthy once the database holds every table, function and column this version needs (applied at start, or
/// by <c>db-apply</c> from a deployment step). Remembered once true: a schema is not un-applied under a node.
/// </summary>
public sealed class SchemaHealthCheck(IDocumentStore store) : IHealthCheck
{
    private volatile bool _applied;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        if (_applied) return HealthCheckResult.Healthy("The schema is applied.");
        try
        {
            await store.Storage.Database.AssertDatabaseMatchesConfigurationAsync(ct);
            _applied = true;
            return HealthCheckResult.Healthy("The schema is applied.");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("The database schema does not match this version: run db-apply.", ex);
        }
    }
}

/// <summary>
/// Healthy while every async projection and subscription (the audit hash chain) is at most the configured number
/// of events behind the newest event (<c>Health:MaxProjectionLag</c>), whichever node runs it.
/// </summary>
public sealed class ProjectionLagHealthCheck(IDocumentStore store, ProjectionLagHealthCheck.Limit limit) : IHealthCheck
{
    public sealed record Limit(long Events);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            var lag = await Lag(store, ct);
            var worst = lag.OrderByDescending(l => l.Value).FirstOrDefault();
            return worst.Value > limit.Events
                ? HealthCheckResult.Unhealthy($"{worst.Key} is {worst.Value} events behind (limit {limit.Events}).")
                : HealthCheckResult.Healthy($"Async projections at most {Math.Max(worst.Value, 0)} events behind.");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("Projection progress could not be read.", ex);
        }
    }

    /// <summary>Events each async shard has still to process, by shard name.</summary>
    public static async Task<IReadOnlyDictionary<string, long>> Lag(IDocumentStore store, CancellationToken ct)
    {
        var newest = await store.Storage.Database.FetchHighestEventSequenceNumber(ct);
        var progress = (await store.Advanced.AllProjectionProgress(token: ct)).ToDictionary(s => s.ShardName, s => s.Sequence);
        // A shard that never ran has no progress row: it is as far behind as the whole log.
        return ((DocumentStore)store).Options.Projections.AllShards().Select(s => s.Name.Identity).Distinct()
            .ToDictionary(name => name, name => Math.Max(newest - progress.GetValueOrDefault(name), 0));
    }
}
