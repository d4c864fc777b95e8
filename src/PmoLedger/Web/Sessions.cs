using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace PmoLedger.Web;

/// <summary>A signed-in browser session, kept in the database so signing out ends it on the server.</summary>
public sealed class WebSession
{
    public string Id { get; set; } = "";
    public byte[] Ticket { get; set; } = [];
    public DateTimeOffset? ExpiresAt { get; set; }
}

/// <summary>
/// The cookie holds only a random session key; the ticket lives here. A stolen cookie stops
/// working the moment its owner signs out, which a self-contained cookie cannot offer.
/// </summary>
public sealed class MartenTicketStore(IDocumentStore store, TimeProvider clock) : ITicketStore
{
    public async Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        var key = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await using var session = store.LightweightSession();
        // Sessions that ran out without a sign-out would otherwise stay forever; each new one sweeps them.
        var now = clock.GetUtcNow();
        session.DeleteWhere<WebSession>(s => s.ExpiresAt < now);
        session.Store(new WebSession { Id = key, Ticket = TicketSerializer.Default.Serialize(ticket), ExpiresAt = ticket.Properties.ExpiresUtc });
        await session.SaveChangesAsync();
        return key;
    }

    public async Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        await using var session = store.LightweightSession();
        session.Store(new WebSession { Id = key, Ticket = TicketSerializer.Default.Serialize(ticket), ExpiresAt = ticket.Properties.ExpiresUtc });
        await session.SaveChangesAsync();
    }

    public async Task<AuthenticationTicket?> RetrieveAsync(string key)
    {
        await using var session = store.QuerySession();
        var stored = await session.LoadAsync<WebSession>(key);
        if (stored is null || stored.ExpiresAt <= clock.GetUtcNow()) return null;
        return TicketSerializer.Default.Deserialize(stored.Ticket);
    }

    public async Task RemoveAsync(string key)
    {
        await using var session = store.LightweightSession();
        session.Delete<WebSession>(key);
        await session.SaveChangesAsync();
    }
}
