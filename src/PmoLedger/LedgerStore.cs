using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using PmoLedger.Features.Completions;
using PmoLedger.Features.Cpd;
using PmoLedger.Features.Plan;
using PmoLedger.Features.Audit;
using PmoLedger.Features.Practitioners;
using PmoLedger.Features.Providers;
using PmoLedger.Features.Xapi;
using Weasel.Core;

namespace PmoLedger;

/// <summary>The Marten event store and read models, in one place so every entry point configures it alike.</summary>
public static class LedgerStore
{
    public const string Schema = "ledger";

    /// <summary>The composite projection of <see cref="ConfigureForRebuild"/>: every document kept per practitioner stream.</summary>
    public const string PractitionerDocuments = "PractitionerDocuments";

    public static void Configure(StoreOptions opts, string connectionString, KeyRing keys) =>
        Configure(opts, connectionString, keys, rebuild: false);

    /// <summary>
    /// The same store, except that the projections of practitioner streams are one async composite
    /// (<see cref="PractitionerDocuments"/>): Marten rebuilds a composite in one pass over the log, reading each event
    /// once for all four documents and writing them in shared batches, where rebuilding the inline projections one by one
    /// reads the whole log four times. Only for rebuilding: the service keeps them inline, in the same transaction as
    /// their events. The documents and tables are the same, so what this rebuilds is what the service reads.
    /// </summary>
    public static void ConfigureForRebuild(StoreOptions opts, string connectionString, KeyRing keys) =>
        Configure(opts, connectionString, keys, rebuild: true);

    private static void Configure(StoreOptions opts, string connectionString, KeyRing keys, bool rebuild)
    {
        opts.Connection(connectionString);
        DatabaseOutage.ConfigureRetries(opts);
        SharedDataProtection.Configure(opts);
        opts.DatabaseSchemaName = Schema;
        opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase, json =>
        {
            Infrastructure.Json.Configure(json);
            // Personal data is sealed under the practitioner's key on its way into storage (docs/privacy.md).
            json.Converters.Insert(0, new SealedTextConverter(keys));
        });

        // Who, why and under which request: auditors read these for every event.
        opts.Events.MetadataConfig.UserNameEnabled = true;
        opts.Events.MetadataConfig.CorrelationIdEnabled = true;
        opts.Events.MetadataConfig.CausationIdEnabled = true;
        opts.Events.MetadataConfig.HeadersEnabled = true;
        opts.Events.UseMandatoryStreamTypeDeclaration = true;
        // Rebuilds walk streams with less bookkeeping (adds columns to the event tables).
        opts.Events.UseOptimizedProjectionRebuilds = true;

        // Write models and read models, kept in the same transaction as their events.
        if (rebuild)
            opts.Projections.CompositeProjectionFor(PractitionerDocuments, composite =>
            {
                // Each page of events is committed as one batch (one WAL flush): pages ten times the default of 500
                // cut the flushes tenfold, for at most four documents per event of the page held in memory.
                composite.Options.BatchSize = 5_000;
                composite.Add<PractitionerProjection>();
                composite.Add<PractitionerProfileProjection>();
                composite.Add<TimelineProjection>();
                composite.Add<PractitionerListingProjection>();
            });
        else
        {
            opts.Projections.Add<PractitionerProjection>(ProjectionLifecycle.Inline);
            opts.Projections.Add<PractitionerProfileProjection>(ProjectionLifecycle.Inline);
            opts.Projections.Add<TimelineProjection>(ProjectionLifecycle.Inline);
            opts.Projections.Add<PractitionerListingProjection>(ProjectionLifecycle.Inline);
        }
        PractitionerListingProjection.Configure(opts);
        opts.Projections.Snapshot<Provider>(SnapshotLifecycle.Inline);
        opts.Projections.Add<ProviderListingProjection>(ProjectionLifecycle.Inline);
        ProviderListingProjection.Configure(opts);
        opts.Projections.Add<ProviderCompletionProjection>(ProjectionLifecycle.Inline);
        ProviderCompletionProjection.Configure(opts);
        opts.Projections.Add<CpdAuditProjection>(ProjectionLifecycle.Inline);
        opts.Projections.Add<CpdAuditCampaignProjection>(ProjectionLifecycle.Inline);
        opts.Storage.Add(new CpdEvidenceStorage(opts));
        opts.Storage.Add(new PmoLedger.Features.Notifications.NoticeClaimStorage(opts));

        // Tamper evidence: a hash chain over the log, extended by the async daemon (see docs/auditing.md).
        opts.Storage.Add(new EventChainStorage(opts));
        opts.Events.Subscribe(new EventChainSubscription());

        opts.Schema.For<ProviderApiKey>().Index(x => x.ProviderId);
        opts.Schema.For<PractitionerEmail>().Index(x => x.PractitionerId);
        opts.Storage.Add(new KeyRingStorage(opts));
        opts.Schema.For<CompletionReceipt>();
        Lrs.Configure(opts, keys);
    }
}
