using System.Security.Cryptography;
using JasperFx.Events;
using Marten.Services;
using PmoLedger.Features.Completions;
using PmoLedger.Features.Cpd;
using PmoLedger.Features.Practitioners;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Wolverine.ErrorHandling;
using Wolverine.Marten.Subscriptions;
using Wolverine.Runtime.Handlers;

namespace PmoLedger.Features.Credentials;

/// <summary>
/// Compare what the practitioner's record calls for with the credentials issued, and issue or revoke the difference.
/// Every write that records a fact credentials stand on settles them in its own transaction
/// (<see cref="CredentialSettlement"/>); this message is for a change decided elsewhere or later (a CPD audit's outcome)
/// to ask for the same settlement, retried and durable. Carries an id only, never personal data.
/// </summary>
public sealed record SettleCredentials(Guid PractitionerId);

public static class SettleCredentialsHandler
{
    /// <summary>A write racing the settlement moved the stream on: trying again decides afresh on what it recorded.</summary>
    public static void Configure(HandlerChain chain) => chain.OnException<Exception>()
        .RetryWithCooldown(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));

    public static async Task Handle(SettleCredentials message, IDocumentSession session, CredentialIssuer issuer, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Practitioner>(message.PractitionerId, ct);
        if (stream.Aggregate is not { } practitioner) return;
        stream.AppendMany(await issuer.SettleAsync(session, practitioner, ct));
    }
}

/// <summary>
/// The shell around <see cref="CredentialRules.Settle"/>: draws status slots, ids and salts, signs what is issued and
/// keeps the signed copies and achievements beside the events it returns (the caller appends those).
/// </summary>
public sealed class CredentialIssuer(CredentialKeys keys, CredentialSettings settings, TimeProvider clock)
{
    public async Task<IReadOnlyList<object>> SettleAsync(IDocumentSession session, Practitioner practitioner, CancellationToken ct)
    {
        var today = clock.Today();
        var owed = CredentialRules.ToIssue(practitioner, today);
        var slots = await StatusLists.Allocate(session, owed.Count, ct);
        var issuances = slots.Select(slot => new Issuance(Guid.CreateVersion7(), Guid.NewGuid(), slot, NewSalt(), keys.Signing.KeyId)).ToList();
        var events = CredentialRules.Settle(practitioner, today, issuances);

        var achievements = owed.ToDictionary(o => o.Basis, o => o.Achievement);
        foreach (var issued in events.OfType<CredentialIssued>())
        {
            var achievement = achievements[issued.Basis];
            session.Store(AchievementRecord.From(achievement));
            session.Store(new CredentialToken
            {
                Id = issued.CredentialId, PractitionerId = practitioner.Id,
                Jws = VcJwt.Sign(VcJwt.Payload(OpenBadge.Credential(issued, achievement, settings)), keys.Signing)
            });
        }
        return events;
    }

    private static string NewSalt() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}

/// <summary>
/// Issuing and revoking follow the fact at once: whichever route, page, message or import commits one of the
/// <see cref="Triggers"/> to a practitioner's stream, the credentials it implies are settled in a second transaction
/// straight after that commit, before the request that recorded it answers. So the person's next request never races
/// a settlement on their stream, and a revocation shows in the status list at once. Should that settlement fail (a
/// concurrent writer moved the stream), a durable <see cref="SettleCredentials"/> message takes over and retries.
/// </summary>
public sealed class CredentialSettlement(IServiceProvider services) : DocumentSessionListenerBase
{
    /// <summary>The facts a credential stands on. A new fact that can change them (a CPD audit's outcome) is added here.</summary>
    public static readonly HashSet<Type> Triggers =
    [
        typeof(CertificationAwarded), typeof(CertificationRenewed), typeof(CertificationRevoked), typeof(CareerLevelReached),
        typeof(CpdActivityLogged), typeof(TrainingCompleted), typeof(CompletionRevoked),
        // A CPD audit's decision can un-meet a cycle, and withdraw the renewal that stood on it (cpd-audit.md).
        typeof(CpdActivityDecided), typeof(CertificationRenewalWithdrawn)
    ];

    public override async Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        var practitioners = commit.GetEvents().Where(e => Triggers.Contains(e.Data.GetType())).Select(e => e.StreamId).Distinct().ToList();
        foreach (var id in practitioners)
        {
            try
            {
                await SettleNowAsync(session, id, token);
            }
            catch (Exception failure) when (failure is not OperationCanceledException)
            {
                var logger = services.GetRequiredService<ILogger<CredentialSettlement>>();
                // Another write to the same record coming first is expected (a busy importer, the relay); only other
                // failures deserve an operator's attention. Either way the durable message settles after it.
                if (WriteConflicts.Is(failure))
                    logger.LogInformation("Another write to practitioner {PractitionerId} came first; a durable message settles its credentials after it", id);
                else
                    logger.LogWarning(failure, "Settling the credentials of practitioner {PractitionerId} failed; a durable message retries it", id);
                await using var scope = services.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<IMessageBus>().PublishAsync(new SettleCredentials(id));
            }
        }
    }

    private async Task SettleNowAsync(IDocumentSession cause, Guid id, CancellationToken ct)
    {
        await using var session = cause.DocumentStore.LightweightSession();
        // Recorded by whoever recorded the fact, under the same request: the audit trail reads them together.
        session.LastModifiedBy = cause.LastModifiedBy;
        session.CorrelationId = cause.CorrelationId;
        session.CausationId = cause.CausationId;
        var stream = await session.Events.FetchForWriting<Practitioner>(id, ct);
        if (stream.Aggregate is not { } practitioner) return;
        var events = await services.GetRequiredService<CredentialIssuer>().SettleAsync(session, practitioner, ct);
        if (events.Count == 0) return;
        stream.AppendMany(events);
        await session.SaveChangesAsync(ct);
    }
}

/// <summary>The durable backstop of <see cref="CredentialSettlement"/>: the daemon hands every fact to the message, in order.</summary>
public sealed class CredentialRelay : BatchSubscription
{
    public CredentialRelay() : base("CredentialRelay")
    {
        foreach (var trigger in CredentialSettlement.Triggers) IncludeType(trigger);
    }

    public override async Task ProcessEventsAsync(EventRange page, ISubscriptionController controller, IDocumentOperations operations,
        IMessageBus bus, CancellationToken cancellationToken)
    {
        foreach (var practitionerId in page.Events.Where(e => CredentialSettlement.Triggers.Contains(e.EventType)).Select(e => e.StreamId).Distinct())
            await bus.PublishAsync(new SettleCredentials(practitionerId));
    }
}

public static class CredentialsSetup
{
    public static IServiceCollection AddCredentials(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var keys = CredentialKeys.From(configuration, environment);
        if (keys.DevelopmentKeyFile is { } file)
            Serilog.Log.Information(keys.GeneratedNow
                ? "Generated a development signing key for digital credentials at {KeyFile}"
                : "Using the development signing key for digital credentials at {KeyFile}", file);
        services.AddSingleton(keys);
        services.AddSingleton(CredentialSettings.From(configuration));
        services.AddSingleton<CredentialSchema>();
        services.AddSingleton<CredentialVerifier>();
        services.AddSingleton<CredentialIssuer>();
        services.AddSingleton<SignedStatusLists>();
        services.ConfigureMarten((provider, opts) =>
        {
            StatusLists.Configure(opts);
            opts.Listeners.Add(new CredentialSettlement(provider));
        });

        // The listener settles before the request answers, but a process that dies between the fact's commit and
        // that second transaction would leave the credential owed for ever. So the async daemon also relays every
        // fact to the durable message: usually it finds nothing left to do and writes nothing (so it races nobody);
        // after a crash it issues or revokes what was missed.
        services.SubscribeToEvents(new CredentialRelay());
        return services;
    }
}
