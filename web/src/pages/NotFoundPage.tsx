import { Link } from '../app/navigation';
import { useTitle } from '../app/hooks';

export function NotFoundPage() {
  useTitle('Not found');
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <Link href="/">Go to the dashboard</Link>.
      </p>
    </section>
  );
}
