namespace PmoLedger.Infrastructure;

/// <summary>
/// Running the service as operators do, in one place so Program.cs stays a list of features: health probes,
/// data-protection keys shared by every node, fair-load limits and OpenTelemetry (docs/operations.md).
/// </summary>
public static class Hosting
{
    /// <param name="completionEvent">The event that records a training completion, for the completions metric.</param>
    public static IServiceCollection AddLedgerHosting(this IServiceCollection services, IConfiguration configuration, Type completionEvent) =>
        services
            .AddLedgerHealth(configuration)
            .AddSharedDataProtection()
            .AddLedgerRateLimits(configuration)
            .AddLedgerTelemetry(configuration, completionEvent);
}
