namespace FtpTools.Core.Transfers;

/// <summary>CRC-32 of IEEE 802.3 (reflected polynomial 0xEDB88320), table-driven, one byte at a time.</summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    /// <summary>Continues <paramref name="crc"/> (start with 0xFFFFFFFF; the checksum is its complement at the end).</summary>
    public static uint Update(uint crc, byte[] buffer, int offset, int count)
    {
        for (var i = offset; i < offset + count; i++)
        {
            crc = Table[(crc ^ buffer[i]) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
