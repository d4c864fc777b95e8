using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Completions;

/// <summary>The posting provider withdrew a completion. It stays in history, marked revoked, and stops counting.</summary>
public sealed record CompletionRevoked(Guid CompletionId, Guid ProviderId, string Reason, DateOnly RevokedOn) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => RevokedOn;
}
