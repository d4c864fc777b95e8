using JasperFx;
using JasperFx.CommandLine;

namespace PmoLedger.Features.Audit;

/// <summary>
/// Rebuilds every document kept per practitioner stream (the write model and the three stored read models) from the
/// event log in one pass: Marten's daemon replays the log once through the composite of <see cref="LedgerStore.ConfigureForRebuild"/>
/// and writes the four documents in shared batches. The service keeps these documents inline, so rebuild while no
/// node is writing (docs/operations.md).
/// </summary>
public static class PractitionerDocumentsRebuild
{
    public static async Task RunAsync(string connectionString, KeyRing keys, TimeSpan timeout, CancellationToken ct)
    {
        using var store = DocumentStore.For(opts => LedgerStore.ConfigureForRebuild(opts, connectionString, keys));
        using var daemon = await store.BuildProjectionDaemonAsync();
        await daemon.RebuildProjectionAsync(LedgerStore.PractitionerDocuments, timeout, ct);
    }
}

[Description("Rebuilds every practitioner's documents from their events in one pass over the log (stop the service first)", Name = "rebuild-practitioners")]
public sealed class RebuildPractitionersCommand : JasperFxAsyncCommand<NetCoreInput>
{
    public override async Task<bool> Execute(NetCoreInput input)
    {
        using var host = input.BuildHost();
        var configuration = host.Services.GetRequiredService<IConfiguration>();
        var started = TimeProvider.System.GetTimestamp();
        await PractitionerDocumentsRebuild.RunAsync(configuration.GetConnectionString("Ledger")!,
            host.Services.GetRequiredService<KeyRing>(), TimeSpan.FromHours(2), CancellationToken.None);
        CommandOutput.Result.WriteLine($"Rebuilt every practitioner's documents in {TimeProvider.System.GetElapsedTime(started).TotalSeconds:0.0} s.");
        return true;
    }
}
