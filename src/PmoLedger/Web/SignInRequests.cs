using System.Threading.Channels;

namespace PmoLedger.Web;

/// <summary>
/// Sign-in link requests, handled after the page has answered. Looking the address up, storing a link and talking to
/// the mail server take time only for a known address; done here, the answer takes the same time for every address,
/// so its timing tells nobody which addresses have accounts. The queue is in memory only: an address in it is personal
/// data, and a request lost to a restart is simply asked again.
/// </summary>
public sealed class SignInRequests(IServiceScopeFactory scopes, ILogger<SignInRequests> logger) : BackgroundService
{
    // Bounded: a flood beyond the per-address and per-client limits is dropped, not held in memory.
    private readonly Channel<SignInRequest> _queue = Channel.CreateBounded<SignInRequest>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public void Enqueue(string email, string baseUrl) => _queue.Writer.TryWrite(new SignInRequest(email, baseUrl));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // One at a time, in the order asked: a test (or an operator) can tell a request was handled by a later one's mail.
        await foreach (var request in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await SendAsync(request, stoppingToken);
            }
            catch (Exception failure) when (failure is not OperationCanceledException)
            {
                // The type only: a mail server's message may quote the address. The person gets no mail and asks again.
                logger.LogWarning("Sending a sign-in link failed ({Failure}); the person can ask for another", failure.GetType().Name);
            }
        }
    }

    private async Task SendAsync(SignInRequest request, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var secret = await SignInLinks.CreateAsync(services.GetRequiredService<IDocumentSession>(), services.GetRequiredService<KeyRing>(),
            request.Email, services.GetRequiredService<TimeProvider>().GetUtcNow(), ct);
        if (secret is not null)
            await services.GetRequiredService<Mailer>().SendAsync(request.Email, "Your PmoLedger sign-in link",
                SignInMail.Text(SignInLinks.Url(request.BaseUrl, secret)), ct);
    }

    private sealed record SignInRequest(string Email, string BaseUrl);
}
