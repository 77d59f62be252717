import QRCode from 'qrcode';

/**
 * A QR code as inline SVG: the symbol is computed by the `qrcode` package (its module matrix),
 * and drawn here as one path, so no generated markup is inserted into the page (and the page's
 * Content-Security-Policy needs no exception). Used for federation identity cards and TOTP enrolment.
 */
export function QrCode(props: { text: string; label: string }) {
  const { size, data } = QRCode.create(props.text, { errorCorrectionLevel: 'M' }).modules;
  let d = '';
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) if (data[y * size + x]) d += `M${x + 2} ${y + 2}h1v1h-1z`;
  }
  const box = size + 4;
  return (
    <svg
      xmlns="http://www.w3.org/2000/svg"
      viewBox={`0 0 ${box} ${box}`}
      width="280"
      height="280"
      role="img"
      aria-label={props.label}
      shape-rendering="crispEdges"
    >
      <rect width={box} height={box} fill="#ffffff" />
      <path d={d} fill="#000000" />
    </svg>
  );
}
