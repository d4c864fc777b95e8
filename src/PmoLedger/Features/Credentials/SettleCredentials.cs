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
    /// <summary>Anything but a lost race (the database away, say): Wolverine tries again later.</summary>
    public static void Configure(HandlerChain chain) => chain.OnException<Exception>()
        .RetryWithCooldown(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));

    /// <summary>
    /// A write racing the settlement (an importer, a web form) is normal: the house retry loop decides afresh on what
    /// that write recorded, quietly, instead of failing the message and logging an error for a lost race.
    /// </summary>
    public static Task Handle(SettleCredentials message, IDocumentStore store, CredentialIssuer issuer, Envelope envelope,
        ILogger<SettleCredentials> logger, CancellationToken ct) =>
        WriteConflicts.Retry(async () =>
        {
            await using var session = WriteConflicts.OpenSession(store, envelope.UserName);
            await issuer.SettleAndCommitAsync(session, message.PractitionerId, ct);
            return true;
        }, () => throw new InvalidOperationException($"Settling the credentials of practitioner {message.PractitionerId} lost every race; retried later"),
            logger, ct);
}

/// <summary>
/// The shell around <see cref="CredentialRules.Settle"/>: draws status slots, ids and salts, signs what is issued and
/// keeps the signed copies and achievements beside the events it returns (the caller appends those).
/// </summary>
public sealed class CredentialIssuer(CredentialKeys keys, CredentialSettings settings, TimeProvider clock)
{
    /// <summary>Reads the practitioner's stream for writing, settles it and commits, when anything is owed.</summary>
    public async Task SettleAndCommitAsync(IDocumentSession session, Guid practitionerId, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Practitioner>(practitionerId, ct);
        if (stream.Aggregate is not { } practitioner) return;
        var events = await SettleAsync(session, practitioner, ct);
        if (events.Count == 0) return;
        stream.AppendMany(events);
        await session.SaveChangesAsync(ct);
    }

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

    /// <summary>Marks the events of a session whose writer settled every practitioner it wrote to in the same transaction.</summary>
    public const string SettledHeader = "credentials-settled";

    /// <summary>
    /// The writer settled, in this session's transaction, the credentials of every practitioner it appends to: the
    /// listener then has nothing to do, and the relay can skip these events, since no crash can split the facts
    /// from their settlement. The mark travels as an event header, so the relay reads it back from the log.
    /// </summary>
    public static void SettledInTransaction(IDocumentSession session) => session.SetHeader(SettledHeader, true);

    /// <summary>A fact whose credentials were settled in its own transaction (<see cref="SettledInTransaction"/>).</summary>
    public static bool WasSettled(IEvent e) => e.Headers?.ContainsKey(SettledHeader) == true;

    public override async Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        if (session.GetHeader(SettledHeader) is not null) return;
        var touched = commit.GetEvents().Where(e => Triggers.Contains(e.Data.GetType())).Select(e => e.StreamId).Distinct().ToArray();
        if (touched.Length == 0) return;
        // One read for every practitioner a batch touched: a batch of completions usually owes nothing new, and then
        // costs one round trip instead of one session per person. For one person the settlement's own read is the
        // check, and settling straight away keeps the window in which the relay sees them unsettled as short as it was.
        var practitioners = touched.Length > 1 ? await UnsettledAsync(session, touched, token) : touched;
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

    private async Task<Guid[]> UnsettledAsync(IDocumentSession cause, Guid[] touched, CancellationToken ct)
    {
        try
        {
            await using var read = cause.DocumentStore.QuerySession();
            return [.. (await read.LoadManyAsync<Practitioner>(ct, touched)).Where(p => !CredentialRules.Settled(p)).Select(p => p.Id)];
        }
        catch (Exception failure) when (failure is not OperationCanceledException)
        {
            // The facts are committed; each settlement reads again and, failing, hands over to the durable message.
            services.GetRequiredService<ILogger<CredentialSettlement>>().LogWarning(failure, "Reading whose credentials to settle failed; settling each");
            return touched;
        }
    }

    private async Task SettleNowAsync(IDocumentSession cause, Guid id, CancellationToken ct)
    {
        await using var session = cause.DocumentStore.LightweightSession();
        // Recorded by whoever recorded the fact, under the same request: the audit trail reads them together.
        session.LastModifiedBy = cause.LastModifiedBy;
        session.CorrelationId = cause.CorrelationId;
        session.CausationId = cause.CausationId;
        await services.GetRequiredService<CredentialIssuer>().SettleAndCommitAsync(session, id, ct);
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
        var touched = page.Events.Where(e => CredentialSettlement.Triggers.Contains(e.EventType) && !CredentialSettlement.WasSettled(e))
            .Select(e => e.StreamId).Distinct().ToArray();
        if (touched.Length == 0) return;
        // Only a practitioner the record says is still owed something (the request's own settlement did not happen)
        // gets the durable message: a message per fact would write and hand over a message per completion for nothing.
        foreach (var practitioner in await operations.LoadManyAsync<Practitioner>(cancellationToken, touched))
            if (!CredentialRules.Settled(practitioner)) await bus.PublishAsync(new SettleCredentials(practitioner.Id));
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
        // fact it finds still unsettled to the durable message (usually none, so it writes nothing and races nobody);
        // after a crash it issues or revokes what was missed.
        services.SubscribeToEvents(new CredentialRelay());
        return services;
    }
}
