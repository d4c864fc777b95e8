using JasperFx.Core;
using Marten;
using Wolverine.ErrorHandling;

namespace PmoLedger.Infrastructure;

/// <summary>
/// How a node takes part in a cluster of several on one database (docs/operations.md, "Several nodes"):
/// Wolverine elects a leader through PostgreSQL and gives each async projection and subscription (the audit
/// hash chain) to exactly one live node, moving it when that node stops or stops answering. Scheduled
/// messages are claimed through the database, so each fires on one node.
/// </summary>
public static class Nodes
{
    /// <summary>
    /// Balanced (several nodes): Wolverine distributes the async shards, replacing Marten's own daemon (the two
    /// coordinators must not both run). Solo (one node, the test suite): Marten's daemon runs them all here;
    /// Wolverine's pause and resume around a full data reset, which the tests do before each test, leaves a
    /// distributed shard waiting for sequence numbers from before the reset.
    /// </summary>
    public static MartenServiceCollectionExtensions.MartenConfigurationExpression IntegrateWithLedgerNodes(
        this MartenServiceCollectionExtensions.MartenConfigurationExpression marten, IConfiguration configuration) =>
        Mode(configuration) == DurabilityMode.Solo
            ? marten.AddAsyncDaemon(JasperFx.Events.Daemon.DaemonMode.Solo).IntegrateWithWolverine()
            : marten.IntegrateWithWolverine(m => m.UseWolverineManagedEventSubscriptionDistribution = true);

    private static DurabilityMode Mode(IConfiguration configuration) => configuration.GetValue("Wolverine:DurabilityMode", DurabilityMode.Balanced);

    public static void ConfigureLedgerNodes(this WolverineOptions opts, IConfiguration configuration)
    {
        var durability = opts.Durability;
        durability.Mode = Mode(configuration);
        // A node killed without a goodbye is noticed after StaleNodeTimeout plus two missed heartbeats, and its
        // agents restarted elsewhere by the next assignment check: about 25 s with these defaults (Wolverine's
        // own, 10 s / 1 min / 30 s, take minutes).
        durability.HealthCheckPollingTime = configuration.GetValue("Wolverine:HealthCheckPollingTime", 3.Seconds());
        durability.StaleNodeTimeout = configuration.GetValue("Wolverine:StaleNodeTimeout", 15.Seconds());
        durability.CheckAssignmentPeriod = configuration.GetValue("Wolverine:CheckAssignmentPeriod", 10.Seconds());

        // A message that meets an unreachable database waits for it instead of going to the dead letters:
        // three quick retries ride out a blip, then the listener pauses and the message is tried again.
        opts.Policies.OnException(DatabaseOutage.Is)
            .RetryWithCooldown(250.Milliseconds(), 1.Seconds(), 2.Seconds())
            .Then.PauseThenRequeue(configuration.GetValue("Wolverine:OutagePause", 10.Seconds()));
    }
}
