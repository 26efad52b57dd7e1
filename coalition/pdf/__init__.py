"""Statement PDFs: what they show (document), how they are drawn (render) and sealed (seal)."""

import warnings

from cryptography.utils import CryptographyDeprecationWarning

# pyHanko 0.38 imports cryptography's DSA key types, which cryptography 51 deprecates on import. We never
# make or accept a DSA key (the seal is RSA), so the warning would only be noise in every
# worker's log; anything else cryptography deprecates is still shown.
warnings.filterwarnings("ignore", message="DSA is deprecated", category=CryptographyDeprecationWarning)
