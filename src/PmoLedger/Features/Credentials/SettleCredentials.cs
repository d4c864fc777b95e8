using System.Security.Cryptography;
using PmoLedger.Features.Completions;
using PmoLedger.Features.Practitioners;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace PmoLedger.Features.Credentials;

/// <summary>
/// Compare what the practitioner's record calls for with the credentials issued, and issue or revoke the difference.
/// Sent for every fact that can change that (see <see cref="CredentialsSetup"/>), and by anyone who corrects such a fact.
/// Carries an id only, never personal data.
/// </summary>
public sealed record SettleCredentials(Guid PractitionerId);

public static class SettleCredentialsHandler
{
    /// <summary>
    /// Two settlements of one practitioner racing (their stream moved), or two credentials drawing the same status
    /// index, fail the later commit; trying again decides afresh on what the earlier one recorded.
    /// </summary>
    public static void Configure(HandlerChain chain) => chain.OnException<Exception>()
        .RetryWithCooldown(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));

    public static async Task Handle(SettleCredentials message, IDocumentSession session, CredentialKeys keys, CredentialSettings settings,
        TimeProvider clock, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Practitioner>(message.PractitionerId, ct);
        if (stream.Aggregate is not { } practitioner) return;
        var today = clock.Today();

        var owed = CredentialRules.ToIssue(practitioner, today);
        var slots = await StatusLists.Allocate(session, owed.Count, ct);
        var issuances = slots.Select(slot => new Issuance(Guid.CreateVersion7(), Guid.NewGuid(), slot, NewSalt(), keys.Signing.KeyId)).ToList();
        var events = CredentialRules.Settle(practitioner, today, issuances);
        if (events.Count == 0) return;

        stream.AppendMany(events);
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
    }

    private static string NewSalt() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
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
        services.ConfigureMarten(StatusLists.Configure);

        // Issuing is part of handling the event: the async daemon relays each fact to a durable Wolverine message
        // in order, so a failure retries and nothing is lost, whichever route, page or message recorded the fact.
        services.PublishEventsToWolverine("credentials", relay =>
        {
            relay.FilterIncomingEventsOnStreamType(typeof(Practitioner));
            // The facts a credential stands on. A new fact that can change them (a CPD audit's outcome) is added here.
            relay.PublishEvent<CertificationAwarded>(Settle);
            relay.PublishEvent<CertificationRenewed>(Settle);
            relay.PublishEvent<CertificationRevoked>(Settle);
            relay.PublishEvent<CareerLevelReached>(Settle);
            relay.PublishEvent<CpdActivityLogged>(Settle);
            relay.PublishEvent<TrainingCompleted>(Settle);
            relay.PublishEvent<CompletionRevoked>(Settle);
        });
        return services;
    }

    private static ValueTask Settle<T>(JasperFx.Events.IEvent<T> e, IMessageBus bus) where T : notnull => bus.PublishAsync(new SettleCredentials(e.StreamId));
}
