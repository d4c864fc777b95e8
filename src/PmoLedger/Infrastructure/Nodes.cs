using JasperFx.Core;
using Wolverine.ErrorHandling;

namespace PmoLedger.Infrastructure;

/// <summary>How a node takes part in a cluster of several on one database (docs/operations.md, "Several nodes").</summary>
public static class Nodes
{
    public static void ConfigureLedgerNodes(this WolverineOptions opts, IConfiguration configuration)
    {
        // A message that meets an unreachable database waits for it instead of going to the dead letters:
        // three quick retries ride out a blip, then the listener pauses and the message is tried again.
        opts.Policies.OnException(DatabaseOutage.Is)
            .RetryWithCooldown(250.Milliseconds(), 1.Seconds(), 2.Seconds())
            .Then.PauseThenRequeue(configuration.GetValue("Wolverine:OutagePause", 10.Seconds()));
    }
}
