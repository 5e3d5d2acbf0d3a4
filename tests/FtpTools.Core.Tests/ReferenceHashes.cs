namespace FtpTools.Core.Tests;

/// <summary>Checksums computed the slow, obvious way, to check what servers and the module compute.</summary>
internal static class ReferenceHashes
{
    /// <summary>CRC-32 (IEEE 802.3, reflected 0xEDB88320), the one XCRC and HASH CRC32 use, bit by bit.</summary>
    public static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
