using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace PmoLedger.Infrastructure;

/// <summary>
/// ASP.NET Core's data-protection keys (they seal sign-in cookies and antiforgery tokens) kept in the ledger's
/// database, so a cookie one node issued opens on every other node behind the load balancer. Without this each
/// node (each container) makes its own keys and a page served by the other node signs the person out.
/// </summary>
public static class SharedDataProtection
{
    public static IServiceCollection AddSharedDataProtection(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("PmoLedger");
        services.AddOptions<KeyManagementOptions>()
            .Configure<IDocumentStore>((o, store) => o.XmlRepository = new MartenXmlRepository(store));
        return services;
    }

    public static void Configure(StoreOptions opts) => opts.Schema.For<DataProtectionKey>();

    public sealed record DataProtectionKey(string Id, string Xml);

    // The interface is synchronous; it is read when a node loads its key ring (at start, then about once a day)
    // and written when a key is made (every 90 days), never per request.
    private sealed class MartenXmlRepository(IDocumentStore store) : IXmlRepository
    {
        public IReadOnlyCollection<XElement> GetAllElements() => Task.Run(async () =>
        {
            await using var session = store.QuerySession();
            return (await session.Query<DataProtectionKey>().ToListAsync()).Select(k => XElement.Parse(k.Xml)).ToList();
        }).GetAwaiter().GetResult();

        public void StoreElement(XElement element, string friendlyName) => Task.Run(async () =>
        {
            await using var session = store.LightweightSession();
            session.Store(new DataProtectionKey(friendlyName, element.ToString(SaveOptions.DisableFormatting)));
            await session.SaveChangesAsync();
        }).GetAwaiter().GetResult();
    }
}
