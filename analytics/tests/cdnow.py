"""The CDNOW sample as an `import_orders` file (see data/README.md)."""
import csv
from pathlib import Path

DATA = Path(__file__).parent / "data" / "CDNOW_sample.txt"
CALIBRATION_END = "1997-09-30"  # 39 weeks from 1997-01-01, as in Fader, Hardie & Lee (2005)


def write_orders_csv(path: Path) -> int:
    """One order per line of the sample; the customer id becomes the member's external id."""
    with DATA.open() as source, path.open("w", newline="") as target:
        writer = csv.writer(target)
        writer.writerow(["external_id", "member_external_id", "created_at", "status", "total", "currency", "channel", "store"])
        count = 0
        for count, line in enumerate(source, start=1):
            _, customer, day, _, amount = line.split()
            writer.writerow([f"CD{count:05d}", f"CD{customer}", day, "completed", amount, "USD", "web", ""])
    return count
