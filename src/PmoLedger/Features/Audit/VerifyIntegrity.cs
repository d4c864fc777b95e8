
namespace PmoLedger.Features.Audit;

public static class VerifyIntegrityEndpoint
{
    /// <summary>How long a check waits for the chain to reach the latest event before verifying what is chained.</summary>
    public static readonly TimeSpan CatchUp = TimeSpan.FromSeconds(3);

    [EndpointSummary("Verify the hash chain over the event log")]
    [EndpointDescription("Auditors.")]
    [WolverineGet("/api/audit/integrity", OperationId = "verifyIntegrity")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<IntegrityReport> Get(IQuerySession session, CancellationToken ct)
    {
        await using var connection = session.Database.CreateConnection();
        await connection.OpenAsync(ct);

        // The daemon chains new events within moments; real time, not the business clock, is what it runs on.
        var deadline = DateTime.UtcNow + CatchUp;
        while (DateTime.UtcNow < deadline)
        {
            var (chained, recorded) = await EventChain.HeadsAsync(connection, ct);
            if (chained >= recorded) break;
            await Task.Delay(100, ct);
        }
        return await EventChain.VerifyAsync(connection, ct);
    }
}
