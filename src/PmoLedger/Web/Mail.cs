using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace PmoLedger.Web;

/// <summary>Mail settings (section "Mail"). Without Smtp:Host, messages are written as .eml files to PickupDirectory.</summary>
public sealed class MailSettings
{
    public SmtpSettings Smtp { get; set; } = new();
    public string? PickupDirectory { get; set; }

    public sealed class SmtpSettings
    {
        public string? Host { get; set; }
        public int Port { get; set; } = 587;
        public string? User { get; set; }
        public string? Password { get; set; }
        public string From { get; set; } = "PmoLedger <no-reply@pmoledger.local>";

        /// <summary>Per SMTP operation; a notice's claim (NoticeSender.Lease) must outlast a whole send.</summary>
        public int TimeoutSeconds { get; set; } = 30;
    }

    /// <summary>Beside db.sh's default data folder (/tmp/pmoledger-&lt;user&gt;), where the local database lives.</summary>
    public string Pickup => PickupDirectory is { Length: > 0 } dir
        ? Path.GetFullPath(dir)
        : Path.Combine(Path.GetTempPath(), $"pmoledger-{Environment.UserName}", "mail");

    public static MailSettings From(IConfiguration configuration) => configuration.GetSection("Mail").Get<MailSettings>() ?? new();
}

public sealed class Mailer(MailSettings settings, TimeProvider clock, ILogger<Mailer> logger)
{
    public Task SendAsync(string to, string subject, string text, CancellationToken ct) => SendAsync(to, subject, text, null, ct);

    /// <summary>With <paramref name="html"/>, a multipart/alternative message: the plain text and the same in HTML.</summary>
    public async Task SendAsync(string to, string subject, string text, string? html, CancellationToken ct)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(settings.Smtp.From));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = html is null ? new TextPart("plain") { Text = text } : new BodyBuilder { TextBody = text, HtmlBody = html }.ToMessageBody();

        if (settings.Smtp.Host is { Length: > 0 } host)
        {
            using var smtp = new SmtpClient { Timeout = (int)TimeSpan.FromSeconds(settings.Smtp.TimeoutSeconds).TotalMilliseconds };
            await smtp.ConnectAsync(host, settings.Smtp.Port, SecureSocketOptions.Auto, ct);
            if (settings.Smtp.User is { Length: > 0 } user) await smtp.AuthenticateAsync(user, settings.Smtp.Password ?? "", ct);
            await smtp.SendAsync(message, ct);
            await smtp.DisconnectAsync(true, ct);
            return;
        }

        Directory.CreateDirectory(settings.Pickup);
        // Sortable names: the newest message is the last file listed.
        var path = Path.Combine(settings.Pickup, $"{clock.GetUtcNow():yyyyMMdd-HHmmss-fffffff}-{Guid.NewGuid():N}.eml");
        // Written aside and then renamed: whatever watches the folder only ever sees whole messages.
        var partial = path + ".partial";
        await message.WriteToAsync(partial, ct);
        File.Move(partial, path);
        logger.LogInformation("No SMTP server configured: mail written to {Path}", path);
    }
}
