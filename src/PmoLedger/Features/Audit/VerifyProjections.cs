using System.Text.Json;
using JasperFx;
using JasperFx.CommandLine;

namespace PmoLedger.Features.Audit;

public sealed record Drift(Guid PractitionerId, string ReadModel);

public sealed record ProjectionVerification(int Checked, IReadOnlyList<Drift> Drifted);

/// <summary>
/// Rebuilds every practitioner's read models from their events in memory, with the projections' own
/// Evolve, and compares each with the stored document as JSON (by value: key order does not matter).
/// A missing stored document counts as drift.
/// </summary>
public static class ProjectionVerifier
{
    public static async Task<ProjectionVerification> VerifyAsync(IDocumentStore store, CancellationToken ct,
        Action<long, long>? progress = null)
    {
        await using var session = store.QuerySession();
        var ids = await session.QueryAsync<Guid>(
            $"select id from {LedgerStore.Schema}.mt_streams where type = ? order by id", ct, "practitioner");

        var serializer = store.Options.Serializer();
        var drifted = new List<Drift>();
        var checkedCount = 0;
        var done = 0;
        foreach (var id in ids)
        {
            progress?.Invoke(done++, ids.Count);
            var events = await session.Events.FetchStreamAsync(id, token: ct);
            foreach (var model in PastState.ReadModels)
            {
                checkedCount++;
                var rebuilt = model.Rebuild(id, events);
                var stored = await model.StoredJson(session, id, ct);
                if (stored is null || rebuilt is null || !SameJson(stored, serializer.ToJson(rebuilt)))
                    drifted.Add(new Drift(id, model.Name));
            }
        }
        return new ProjectionVerification(checkedCount, drifted);
    }

    private static bool SameJson(string a, string b)
    {
        using var left = JsonDocument.Parse(a);
        using var right = JsonDocument.Parse(b);
        return JsonElement.DeepEquals(left.RootElement, right.RootElement);
    }
}

public static class VerifyProjectionsEndpoint
{
    [EndpointSummary("Rebuild read models from events and compare")]
    [EndpointDescription("Auditors. Lists every stored read model that differs from its events.")]
    [WolverinePost("/api/audit/projections/verify", OperationId = "verifyProjections")]
    [Authorize(Roles = Roles.Auditor)]
    public static Task<ProjectionVerification> Post(IDocumentStore store, CancellationToken ct) =>
        ProjectionVerifier.VerifyAsync(store, ct);
}

[Description("Rebuilds every practitioner's read models in memory and reports any stored one that differs", Name = "verify-projections")]
public sealed class VerifyProjectionsCommand : JasperFxAsyncCommand<NetCoreInput>
{
    public override async Task<bool> Execute(NetCoreInput input)
    {
        using var host = input.BuildHost();
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var result = await ConsoleProgress.RunAsync("Verifying practitioners' read models",
            progress => ProjectionVerifier.VerifyAsync(store, CancellationToken.None, progress));
        CommandOutput.Result.WriteLine($"Checked {result.Checked} read models; {result.Drifted.Count} drifted.");
        foreach (var drift in result.Drifted) CommandOutput.Result.WriteLine($"  {drift.ReadModel} of practitioner {drift.PractitionerId}");
        return result.Drifted.Count == 0;
    }
}
