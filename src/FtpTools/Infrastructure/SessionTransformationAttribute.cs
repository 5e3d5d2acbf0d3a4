using System;
using System.Globalization;
using System.Linq;
using System.Management.Automation;

namespace FtpTools.Infrastructure;

/// <summary>
/// Lets -Session take a session object or its Id (a number, or text of one, as typed on the command line).
/// Ids are looked up in the current runspace's <see cref="SessionStore"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class SessionTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is null || value is FtpToolsSession)
        {
            return value;
        }

        if (value is object[] many)
        {
            // Disconnect-FtpSession -Session 1, 2: transform each element; the binder makes the array typed.
            return Array.ConvertAll(many, element => TransformOne(element is PSObject w ? w.BaseObject : element));
        }

        return TransformOne(value);
    }

    private static object TransformOne(object? value)
    {
        if (value is FtpToolsSession session)
        {
            return session;
        }

        if (value is not null && TryGetId(value, out var id))
        {
            return SessionStore.Current.Find(id)
                ?? throw new ArgumentTransformationMetadataException(
                    string.Format(CultureInfo.InvariantCulture, "There is no FtpTools session with Id {0} in this runspace. Get-FtpSession lists the open sessions.", id));
        }

        if (value is string text && !string.IsNullOrWhiteSpace(text))
        {
            // A session as text: the Session column of a listing exported to CSV, piped back after Import-Csv.
            var named = SessionStore.Current.Snapshot().Where(s => !s.Closed && string.Equals(s.ToString(), text.Trim(), StringComparison.OrdinalIgnoreCase)).ToList();
            if (named.Count == 1)
            {
                return named[0];
            }

            throw new ArgumentTransformationMetadataException(named.Count == 0
                ? $"No open FtpTools session is '{text}'. -Session takes a session from Connect-FtpSession or Get-FtpSession, its Id, or its text (as Get-FtpSession shows it)."
                : $"{named.Count} open sessions are '{text}'; give -Session as a session object or its Id.");
        }

        throw new ArgumentTransformationMetadataException("-Session takes a session from Connect-FtpSession or Get-FtpSession, or its Id.");
    }

    internal static bool TryGetId(object value, out int id)
    {
        switch (value)
        {
            case int i:
                id = i;
                return true;
            case long l when l is >= int.MinValue and <= int.MaxValue:
                id = (int)l;
                return true;
            case string s:
                return int.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out id);
            default:
                id = 0;
                return false;
        }
    }
}
